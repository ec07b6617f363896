//! newshound core (work in progress).
