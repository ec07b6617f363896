//! newshound extract (work in progress).
