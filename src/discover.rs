//! Which inputs to lint: files, directories (recursive, honouring `.gitignore` and hidden files the
//! way ripgrep does), and stdin; each input's kind by extension first, then by content.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use globset::{Glob, GlobSet, GlobSetBuilder};

use crate::InputError;
use crate::source::FileName;

/// What an input is read as.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Yaml,
    Json,
    Bicep,
    Terraform,
    Shell,
    Markdown,
}

impl Kind {
    /// The kind a file name says, if any.
    pub fn from_path(path: &Path) -> Option<Kind> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "yaml" | "yml" => Kind::Yaml,
            "json" => Kind::Json,
            "bicep" => Kind::Bicep,
            "tf" => Kind::Terraform,
            "sh" | "bash" | "azcli" => Kind::Shell,
            "md" | "markdown" => Kind::Markdown,
            _ => return None,
        })
    }

    /// The kind of a text whose name says nothing (stdin, an extensionless file).
    pub fn sniff(bytes: &[u8]) -> Kind {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(8192)]);
        let first = head
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with("//"));
        match first {
            Some(l) if l.starts_with("#!") => Kind::Shell,
            Some(l)
                if l.starts_with('{') || l.starts_with('[') && head.trim_end().ends_with(']') =>
            {
                Kind::Json
            }
            _ if head.contains("resource \"azurerm_")
                || head.contains("module \"")
                    && head.contains("source")
                    && head.contains(" = ") =>
            {
                Kind::Terraform
            }
            _ if head
                .lines()
                .any(|l| l.starts_with("resource ") && l.contains('\''))
                || head.lines().any(|l| l.starts_with("param ")) =>
            {
                Kind::Bicep
            }
            _ if head.lines().any(|l| l.trim_start().starts_with("az aks ")) => Kind::Shell,
            _ => Kind::Yaml,
        }
    }
}

/// Where an input's bytes come from.
#[derive(Debug)]
pub enum Origin {
    File(PathBuf),
    Stdin(Arc<Vec<u8>>),
}

/// One input to lint.
#[derive(Debug)]
pub struct Input {
    pub name: FileName,
    pub origin: Origin,
    /// The kind by extension; `None` means sniff the content.
    pub kind: Option<Kind>,
}

/// Resolves the command-line paths to inputs. `-` is stdin (read by `read_stdin`, at most once).
pub fn discover(
    paths: &[String],
    excludes: &[String],
    read_stdin: &mut dyn FnMut() -> std::io::Result<Vec<u8>>,
) -> (Vec<Input>, Vec<InputError>) {
    let mut inputs = Vec::new();
    let mut errors = Vec::new();
    let exclude = match build_globs(excludes) {
        Ok(g) => g,
        Err(e) => {
            errors.push(InputError::whole("--exclude", e));
            GlobSet::empty()
        }
    };
    let is_excluded = |p: &Path| {
        let s = p.strip_prefix("./").unwrap_or(p);
        exclude.is_match(s) || p.file_name().is_some_and(|n| exclude.is_match(n))
    };
    let mut stdin_read = false;
    for arg in paths {
        if arg == "-" {
            if stdin_read {
                continue;
            }
            stdin_read = true;
            match read_stdin() {
                Ok(bytes) => inputs.push(Input {
                    name: Arc::from("<stdin>"),
                    origin: Origin::Stdin(Arc::new(bytes)),
                    kind: None,
                }),
                Err(e) => errors.push(InputError::whole(
                    "<stdin>",
                    format!("cannot read stdin: {e}"),
                )),
            }
            continue;
        }
        let path = Path::new(arg);
        match std::fs::metadata(path) {
            Err(e) => errors.push(InputError::whole(arg, io_message(&e))),
            Ok(m) if m.is_dir() => {
                let before = inputs.len();
                walk(path, &is_excluded, &mut inputs, &mut errors);
                if inputs.len() == before {
                    errors.push(InputError::whole(
                        arg,
                        "no files to lint here (looked for .yaml, .yml, .json, .bicep, .tf, .sh, .bash, .azcli, .md)".into(),
                    ));
                }
            }
            Ok(_) => {
                if !is_excluded(path) {
                    inputs.push(Input {
                        name: Arc::from(arg.as_str()),
                        origin: Origin::File(path.to_path_buf()),
                        kind: Kind::from_path(path),
                    });
                }
            }
        }
    }
    (inputs, errors)
}

fn walk(
    dir: &Path,
    is_excluded: &dyn Fn(&Path) -> bool,
    inputs: &mut Vec<Input>,
    errors: &mut Vec<InputError>,
) {
    let walker = ignore::WalkBuilder::new(dir)
        .require_git(false)
        .sort_by_file_name(|a, b| a.cmp(b))
        .build();
    for entry in walker {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(InputError::whole(&dir.display().to_string(), e.to_string()));
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_some_and(|t| t.is_file()) || is_excluded(path) {
            continue;
        }
        if let Some(kind) = Kind::from_path(path) {
            inputs.push(Input {
                name: Arc::from(path.display().to_string()),
                origin: Origin::File(path.to_path_buf()),
                kind: Some(kind),
            });
        }
    }
}

fn build_globs(globs: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        b.add(Glob::new(g).map_err(|e| format!("bad glob `{g}`: {e}"))?);
        // `dir/` and `dir` also exclude everything below.
        let trimmed = g.trim_end_matches('/');
        if !trimmed.contains('*') {
            b.add(Glob::new(&format!("{trimmed}/**")).map_err(|e| e.to_string())?);
        }
    }
    b.build().map_err(|e| e.to_string())
}

fn io_message(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_by_extension_then_content() {
        assert_eq!(Kind::from_path(Path::new("a/b.YML")), Some(Kind::Yaml));
        assert_eq!(Kind::from_path(Path::new("main.tf")), Some(Kind::Terraform));
        assert_eq!(Kind::from_path(Path::new("Makefile")), None);
        assert_eq!(Kind::sniff(b"{\"kind\": \"Pod\"}"), Kind::Json);
        assert_eq!(Kind::sniff(b"#!/bin/bash\naz aks create"), Kind::Shell);
        assert_eq!(Kind::sniff(b"apiVersion: v1\nkind: Pod\n"), Kind::Yaml);
        assert_eq!(Kind::sniff(b"param location string\nresource aks 'Microsoft.ContainerService/managedClusters@2024-01-01' = {}"), Kind::Bicep);
    }
}
