//! newshound eval (work in progress).
