//! Error reports for logs and dead letters.

/// `error` and its sources, `: `-separated, leaving out what the text
/// already ends with (as `: <message>`, or is): a source's message, or the
/// whole rest of the chain (many errors repeat their cause, some all of it).
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        if ends_with(&text, &error_chain(cause)) {
            break;
        }
        let next = cause.to_string();
        if !ends_with(&text, &next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = cause.source();
    }
    text
}

/// Whether `text` is `tail` or ends with `: <tail>`.
fn ends_with(text: &str, tail: &str) -> bool {
    text == tail
        || text
            .strip_suffix(tail)
            .is_some_and(|head| head.ends_with(": "))
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
    #[error("connecting")]
    struct Connect(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("no answer: {}", error_chain(.0))]
    struct WholeChain(#[source] Connect);

    #[test]
    fn a_message_that_holds_the_whole_chain_ends_it() {
        let e = WholeChain(Connect(std::io::Error::other("connection refused")));
        assert_eq!(error_chain(&e), "no answer: connecting: connection refused");
    }

    #[derive(Debug, thiserror::Error)]
    #[error("db error")]
    struct Terse(#[source] std::io::Error);

    #[derive(Debug, thiserror::Error)]
    #[error("backend failure: PostgreSQL: {0}")]
    struct Failure(#[source] Terse);

    #[test]
    fn a_cause_below_a_repeated_one_is_added() {
        // The message ends with its cause's message only; the cause's own
        // cause says what happened.
        let e = Failure(Terse(std::io::Error::other("relation x does not exist")));
        assert_eq!(
            error_chain(&e),
            "backend failure: PostgreSQL: db error: relation x does not exist"
        );
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
