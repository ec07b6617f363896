//! newshound frontier (work in progress).
