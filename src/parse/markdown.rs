//! Markdown: the fenced code blocks of a runbook or README, each with its tag and where its content
//! starts, so that each is read as what it holds (SPEC: Inputs). Shell fences are read by
//! [`super::azcli::markdown_script`]; this finds the others.

use crate::discover::Kind;

/// One fenced block: what its tag says it is, and its content lines as written (indentation kept,
/// so columns are the Markdown file's).
#[derive(Debug, PartialEq, Eq)]
pub struct Fence<'a> {
    pub kind: Kind,
    pub tag: String,
    /// The 1-based line of the content's first line in the Markdown file.
    pub first_line: u32,
    pub content: &'a str,
}

impl Fence<'_> {
    /// The content preceded by one empty line per Markdown line above it: a parser that counts
    /// from line 1 reports the Markdown file's lines.
    pub fn padded(&self) -> String {
        let pad = self.first_line.saturating_sub(1) as usize;
        let mut s = String::with_capacity(pad + self.content.len());
        s.extend(std::iter::repeat_n('\n', pad));
        s.push_str(self.content);
        s
    }
}

/// The kind a fence's tag names (`json`, `bicep`, `terraform`/`hcl`/`tf`, `yaml`/`yml`), if any.
pub fn tag_kind(tag: &str) -> Option<Kind> {
    Some(match tag {
        "json" | "jsonc" => Kind::Json,
        "bicep" => Kind::Bicep,
        "terraform" | "hcl" | "tf" => Kind::Terraform,
        "yaml" | "yml" => Kind::Yaml,
        _ => return None,
    })
}

/// The fences of `text` whose tag names a kind hostlint reads (shell fences excluded).
pub fn fences(text: &str) -> Vec<Fence<'_>> {
    let mut out = Vec::new();
    // (marker char, marker length, tag, byte offset of the content, its first line)
    let mut open: Option<(char, usize, String, usize, u32)> = None;
    let mut offset = 0usize;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let line_no = n as u32 + 1;
        let t = line.trim_start().trim_end_matches(['\n', '\r']);
        let run = |c: char| t.chars().take_while(|&x| x == c).count();
        match &open {
            None => {
                for c in ['`', '~'] {
                    let len = run(c);
                    if len >= 3 {
                        let tag = t[len..]
                            .trim()
                            .split([' ', '{', ','])
                            .next()
                            .unwrap_or("")
                            .to_ascii_lowercase();
                        open = Some((c, len, tag, offset + line.len(), line_no + 1));
                        break;
                    }
                }
            }
            Some((c, len, tag, start, first)) => {
                let close = run(*c);
                if close >= *len && t[close..].trim().is_empty() {
                    if let Some(kind) = tag_kind(tag) {
                        out.push(Fence {
                            kind,
                            tag: tag.clone(),
                            first_line: *first,
                            content: &text[*start..offset],
                        });
                    }
                    open = None;
                }
            }
        }
        offset += line.len();
    }
    // An unclosed fence runs to the end of the document (CommonMark).
    if let Some((_, _, tag, start, first)) = open
        && let Some(kind) = tag_kind(&tag)
        && start <= text.len()
    {
        out.push(Fence {
            kind,
            tag,
            first_line: first,
            content: &text[start..],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_with_their_lines() {
        let md = "# t\n\n```json\n{\"a\": 1}\n```\n\n  ~~~~hcl\n  x = 1\n  ```\n  ~~~~\n```bash\naz x\n```\n```yaml\nb: 1\n";
        let f = fences(md);
        assert_eq!(f.len(), 3, "{f:?}");
        assert_eq!(
            (f[2].kind, f[2].first_line, f[2].content),
            (Kind::Yaml, 15, "b: 1\n")
        );
        assert_eq!(
            (f[0].kind, f[0].first_line, f[0].content),
            (Kind::Json, 4, "{\"a\": 1}\n")
        );
        assert_eq!(
            (f[1].kind, f[1].first_line, f[1].content),
            (Kind::Terraform, 8, "  x = 1\n  ```\n")
        );
        assert_eq!(f[0].padded(), "\n\n\n{\"a\": 1}\n");
    }
}
