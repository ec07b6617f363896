//! newshound testsite (work in progress).
