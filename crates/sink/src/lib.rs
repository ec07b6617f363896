//! newshound sink (work in progress).
