//! Tag classes: which elements start text blocks, which are skipped, which are structural
//! boilerplate.

/// Tags the passes care about; everything else is inline or generic.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tag {
    /// `<p>`.
    P,
    /// `<h1>`..`<h6>` with the level.
    H(u8),
    /// `<li>`, `<dd>`, `<dt>`.
    Li,
    /// `<blockquote>`.
    Quote,
    /// `<pre>`.
    Pre,
    /// `<td>`, `<th>`.
    Cell,
    /// `<figure>`.
    Figure,
    /// `<figcaption>`.
    Figcaption,
    /// `<article>`.
    Article,
    /// `<main>`.
    Main,
    /// `<a>`.
    A,
    /// Any other block-level element.
    Block,
    /// Any other element (inline).
    Inline,
}

impl Tag {
    /// Whether the element starts and ends a text block (table cells do not: a row is one
    /// block).
    pub(crate) fn is_block(self) -> bool {
        !matches!(self, Tag::Inline | Tag::A | Tag::Cell)
    }
}

/// The tag class of an element name and whether its content is skipped.
pub(crate) fn tag_of(name: &str) -> (Tag, bool) {
    let tag = match name {
        "p" => Tag::P,
        "h1" => Tag::H(1),
        "h2" => Tag::H(2),
        "h3" => Tag::H(3),
        "h4" => Tag::H(4),
        "h5" => Tag::H(5),
        "h6" => Tag::H(6),
        "li" | "dd" | "dt" => Tag::Li,
        "blockquote" => Tag::Quote,
        "pre" => Tag::Pre,
        "td" | "th" => Tag::Cell,
        "figure" => Tag::Figure,
        "figcaption" => Tag::Figcaption,
        "article" => Tag::Article,
        "main" => Tag::Main,
        "a" => Tag::A,
        "div" | "section" | "aside" | "nav" | "header" | "footer" | "ul" | "ol" | "dl"
        | "table" | "tbody" | "thead" | "tfoot" | "tr" | "form" | "address" | "details"
        | "summary" | "fieldset" | "hr" | "center" | "dialog" | "menu" | "body" | "html"
        | "caption" | "legend" | "option" | "label" => Tag::Block,
        // Custom elements (`<storefront-section>`) are the containers of component sites.
        _ if name.contains('-') => Tag::Block,
        _ => Tag::Inline,
    };
    let skip = matches!(
        name,
        "script"
            | "style"
            | "noscript"
            | "template"
            | "svg"
            | "math"
            | "iframe"
            | "object"
            | "select"
            | "textarea"
            | "button"
            | "head"
            | "title"
            | "canvas"
            | "video"
            | "audio"
            | "input"
    );
    (tag, skip)
}

/// Elements that are boilerplate by their tag alone.
pub(crate) fn structural_boiler(name: &str) -> bool {
    matches!(
        name,
        "nav" | "aside" | "footer" | "form" | "menu" | "dialog"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn custom_elements_are_blocks() {
        assert_eq!(tag_of("storefront-section").0, Tag::Block);
        assert_eq!(tag_of("span").0, Tag::Inline);
    }
}
