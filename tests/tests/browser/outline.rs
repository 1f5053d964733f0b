//! A compact outline of a timeline page's structure, read back from its HTML: the headline,
//! the lanes, the rows, the bars, the arrows, the marks and the deadlock edges, one per line in
//! document order. Snapshots of it guard the page's structure without pinning its styling (or
//! anything that moves with edits of this test's source, like locations and tokens).

/// One start tag: its name, its attributes (values unescaped) and the text right after it.
struct Tag<'a> {
    name: &'a str,
    attrs: Vec<(&'a str, String)>,
    text: String,
}

impl Tag<'_> {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
    }

    fn has_class(&self, class: &str) -> bool {
        self.attr("class")
            .is_some_and(|c| c.split_whitespace().any(|c| c == class))
    }
}

pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Every start tag of `html` (the pages quote every attribute value with `"`).
fn tags(html: &str) -> Vec<Tag<'_>> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        rest = &rest[open + 1..];
        let Some(close) = rest.find('>') else { break };
        let inside = rest[..close].trim_end_matches('/');
        let after = &rest[close + 1..];
        let text = unescape(&after[..after.find('<').unwrap_or(after.len())]);
        let (name, mut attrs_text) = inside.split_once(' ').unwrap_or((inside, ""));
        let mut attrs = Vec::new();
        while let Some(eq) = attrs_text.find("=\"") {
            let name = attrs_text[..eq].trim();
            let value_start = eq + 2;
            let value_end = attrs_text[value_start..]
                .find('"')
                .map_or(attrs_text.len(), |e| value_start + e);
            attrs.push((name, unescape(&attrs_text[value_start..value_end])));
            attrs_text = attrs_text.get(value_end + 1..).unwrap_or("");
        }
        tags.push(Tag { name, attrs, text });
        rest = &rest[close + 1..];
    }
    tags
}

/// The outline of a page.
pub fn outline(html: &str) -> String {
    let mut lines = Vec::new();
    for tag in tags(html) {
        if let Some(line) = line(&tag) {
            lines.push(line);
        }
    }
    lines.join("\n")
}

fn line(tag: &Tag<'_>) -> Option<String> {
    let attr = |name: &str| tag.attr(name).unwrap_or("").to_owned();
    let flags = |names: &[&str]| -> String {
        names
            .iter()
            .filter(|n| tag.has_class(n))
            .map(|n| format!(" [{n}]"))
            .collect()
    };
    Some(if tag.name == "h1" {
        format!("headline {}: {}", attr("data-kind"), tag.text)
    } else if tag.has_class("lane-head") {
        format!("lane {} {}", attr("data-thread"), tag.text)
    } else if tag.has_class("step") && tag.name == "div" {
        let flags = flags(&["preempted", "panic", "fired"]);
        format!(
            "  step {} thread {} {}{flags}",
            attr("data-step"),
            attr("data-thread"),
            attr("data-op")
        )
    } else if tag.has_class("run") {
        format!("run {} thread {}", attr("data-run"), attr("data-thread"))
    } else if tag.has_class("chunk") {
        format!("chunk {}", attr("data-chunk"))
    } else if tag.has_class("bar") && tag.attr("data-bar").is_some() {
        format!("    bar {}{}", attr("data-bar"), flags(&["missing"]))
    } else if tag.has_class("arrow") {
        format!("    arrow {}", attr("data-arrow"))
    } else if tag.name == "span"
        && (tag.has_class("mark") || tag.has_class("panic-msg") || tag.has_class("blocked"))
    {
        format!("    {} {}", attr("class"), tag.text)
    } else if tag.has_class("end") && tag.name == "div" {
        format!("end {}", attr("class"))
    } else if tag.has_class("edge") {
        format!("    {} {}", attr("class"), attr("data-edge"))
    } else if tag.has_class("cycle") || tag.has_class("panic-message") {
        format!("{} {}", attr("class"), tag.text)
    } else if tag.has_class("replay-line") {
        "replay-line".to_owned()
    } else {
        return None;
    })
}
