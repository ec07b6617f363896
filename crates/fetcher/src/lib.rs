//! newshound fetcher (work in progress).
