//! What rules report and what a run reports: severities, hits, findings and input errors. At the
//! bottom of the flow (parse → model → rules → suppress → report), so that the model, the rules, the
//! config and the reports all use these types without importing each other.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

use crate::model::object::ObjectId;
use crate::parse::node::Node;
use crate::source::{FileName, Span, Via};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A secondary location or remark attached to a finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Note {
    pub line: Option<u32>,
    pub message: String,
}

/// What a rule reports: where, what, and for which container.
#[derive(Clone, Debug)]
pub struct Hit {
    pub span: Span,
    pub via: Option<Via>,
    pub path: String,
    pub message: String,
    pub container: Option<String>,
    pub notes: Vec<Note>,
    /// A fix that replaces the rule's general one.
    pub fix: Option<String>,
    /// A lower severity than the rule's for this finding (for example a writable mount that nothing
    /// writes: hygiene, not breakage). Caps the rule's configured severity, never raises it.
    pub severity: Option<Severity>,
    /// The span-exact edit that fixes this finding (`check --fix`), with its safety class.
    pub edit: Option<crate::fix::Edit>,
}

impl Hit {
    /// A hit on `node` (reported where it is used when reached through an alias).
    pub fn at(node: &Node, path: impl Into<String>, message: impl Into<String>) -> Self {
        let via = node.via.as_deref().cloned();
        let mut notes = Vec::new();
        if let Some(v) = &via {
            notes.push(Note {
                line: Some(v.anchor_line),
                message: format!(
                    "reached through an alias of the anchor on line {}",
                    v.anchor_line
                ),
            });
        }
        Hit {
            span: node.report_span(),
            via,
            path: path.into(),
            message: message.into(),
            container: None,
            notes,
            fix: None,
            severity: None,
            edit: None,
        }
    }

    pub fn container(mut self, name: &str) -> Self {
        if !name.is_empty() {
            self.container = Some(name.to_string());
        }
        self
    }

    pub fn note(mut self, line: Option<u32>, message: impl Into<String>) -> Self {
        self.notes.push(Note {
            line,
            message: message.into(),
        });
        self
    }

    pub fn fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = Some(fix.into());
        self
    }

    /// Attaches the edit that fixes this finding.
    pub fn edit(mut self, edit: crate::fix::Edit) -> Self {
        self.edit = Some(edit);
        self
    }

    /// Attaches `edit` when there is one.
    pub fn edit_opt(self, edit: Option<crate::fix::Edit>) -> Self {
        match edit {
            Some(e) => self.edit(e),
            None => self,
        }
    }

    /// Reports this finding at `severity` at most (see [`Hit::severity`]).
    pub fn at_most(mut self, severity: Severity) -> Self {
        self.severity = Some(self.severity.map_or(severity, |s| s.min(severity)));
        self
    }
}

/// One finding, located in its file and in its document.
#[derive(Clone, Debug, Serialize)]
pub struct Finding {
    pub rule: &'static str,
    pub severity: Severity,
    pub message: String,
    pub file: FileName,
    #[serde(skip)]
    pub span: Span,
    pub object: Option<ObjectId>,
    pub container: Option<String>,
    /// JSON pointer into the document.
    pub path: String,
    pub helm_source: Option<String>,
    pub fix: String,
    pub notes: Vec<Note>,
    /// Line-independent identity (rule, object, [`Finding::key`], container, message), for baselines
    /// and SARIF's `partialFingerprints`.
    pub fingerprint: String,
    /// The field the finding is about as baselines key it: `path` relative to its object, with the list
    /// items Kubernetes merges by name named (`/spec/volumes[name=logs]/hostPath/path`).
    #[serde(skip)]
    pub key: String,
    /// The source lines the span covers (never for Secrets), first line number first.
    #[serde(skip)]
    pub snippet: Option<(u32, String)>,
    /// Set when a suppression, the config or the baseline silences this finding: it is still reported,
    /// but it neither counts nor fails the run.
    pub suppressed: Option<crate::suppress::Suppression>,
    /// The edit that fixes this finding, when its rule offers one (`check --fix`).
    #[serde(skip)]
    pub edit: Option<crate::fix::Edit>,
}

impl Finding {
    /// Whether the finding counts toward the summary and the exit code.
    pub fn counts(&self) -> bool {
        self.suppressed.is_none()
    }
}

/// An input that could not be read or parsed (position when there is one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InputError {
    pub file: FileName,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    /// The line at the error's position, its number first (for the human report's snippet).
    #[serde(skip)]
    pub snippet: Option<(u32, String)>,
}

impl InputError {
    pub fn whole(file: &str, message: String) -> Self {
        InputError {
            file: Arc::from(file),
            line: None,
            column: None,
            message,
            snippet: None,
        }
    }

    pub fn at(file: &FileName, pos: crate::source::Pos, message: String) -> Self {
        InputError {
            file: file.clone(),
            line: Some(pos.line),
            column: Some(pos.col),
            message,
            snippet: None,
        }
    }

    /// The error with the line it points at, from a document's text starting at `first_line`.
    pub fn with_snippet(mut self, text: &str, first_line: u32) -> Self {
        if let (Some(line), Some(col)) = (self.line, self.column) {
            let at = crate::source::Pos::new(line, col);
            self.snippet = crate::snippet(text, first_line, Span::new(at, at));
        }
        self
    }
}
