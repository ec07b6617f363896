//! Error reports for logs and dead letters.

/// `error` and its sources, `: `-separated, a source whose message the text
/// already ends with (as `: <message>`, or is) left out: many errors repeat
/// their cause.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let next = cause.to_string();
        let repeated = text == next
            || text
                .strip_suffix(next.as_str())
                .is_some_and(|head| head.ends_with(": "));
        if !repeated {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("reading the page")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn causes_are_joined_once() {
        let e = Outer(std::io::Error::other("connection reset"));
        assert_eq!(error_chain(&e), "reading the page: connection reset");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("{0}: {1}")]
    struct Repeats(&'static str, #[source] std::io::Error);

    #[test]
    fn a_cause_the_message_ends_with_is_left_out() {
        let e = Repeats("publish", std::io::Error::other("broken pipe"));
        assert_eq!(error_chain(&e), "publish: broken pipe");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("HTTP status 500")]
    struct Status(#[source] std::io::Error);

    #[test]
    fn a_cause_that_only_happens_to_end_the_message_is_kept() {
        let e = Status(std::io::Error::other("500"));
        assert_eq!(error_chain(&e), "HTTP status 500: 500");
    }
}
