//! Escaping text for XML and HTML: the one escaper of the crate, used by the GraphML writer
//! and the HTML reports.

use std::borrow::Cow;

/// `s` escaped for XML or HTML text and for a double-quoted or single-quoted attribute value:
/// `&`, `<`, `>`, `"` and `'` become `&amp;`, `&lt;`, `&gt;`, `&quot;` and `&#39;`; tab, line
/// feed and carriage return become character references (`&#9;`, `&#10;`, `&#13;`), so that
/// attribute-value and line-end normalisation leave them intact. Borrows `s` when nothing
/// needs escaping.
///
/// Other control characters are passed through: XML 1.0 cannot represent them, so writers of
/// XML files check [`unrepresentable`] first.
///
/// ```
/// use wecare::xml::escape;
/// assert_eq!(escape("a<b & \"c\"'"), "a&lt;b &amp; &quot;c&quot;&#39;");
/// assert_eq!(escape("two\tlines\n"), "two&#9;lines&#10;");
/// ```
pub fn escape(s: &str) -> Cow<'_, str> {
    let needs = |c: char| matches!(c, '&' | '<' | '>' | '"' | '\'' | '\t' | '\n' | '\r');
    let Some(first) = s.find(needs) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 16);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            _ => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The first character of `s` that XML 1.0 cannot represent, even escaped (control
/// characters other than tab and line breaks, U+FFFE, U+FFFF), if any.
pub fn unrepresentable(s: &str) -> Option<char> {
    s.chars().find(|&c| {
        matches!(c, '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
            && !matches!(c, '\t' | '\n' | '\r')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_line_breaks_and_borrows_plain_text() {
        assert_eq!(
            escape("a<b & \"c\"'>"),
            "a&lt;b &amp; &quot;c&quot;&#39;&gt;"
        );
        assert_eq!(escape("x\r\ny"), "x&#13;&#10;y");
        assert!(matches!(escape("plain text, é"), Cow::Borrowed(_)));
    }

    #[test]
    fn finds_characters_xml_cannot_hold() {
        assert_eq!(unrepresentable("ok\ttab\n"), None);
        assert_eq!(unrepresentable("bell\u{7}"), Some('\u{7}'));
        assert_eq!(unrepresentable("\u{ffff}"), Some('\u{ffff}'));
    }
}
