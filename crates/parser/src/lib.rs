//! newshound parser (work in progress).
