//! newshound embedded (work in progress).
