//! Dispatch of the text surfaces that define node pools to their readers.

use super::ParseError;
use crate::discover::Kind;
use crate::model::nodepool::Cluster;

/// The clusters and pools a Bicep, Terraform, shell or Markdown text defines.
pub fn read(kind: Kind, text: &str) -> Result<Vec<Cluster>, ParseError> {
    match kind {
        // Terraform's JSON syntax (`*.tf.json`) is a JSON object.
        Kind::Terraform if text.trim_start().starts_with('{') => super::terraform::read_json(text),
        Kind::Terraform => super::terraform::read(text),
        Kind::Shell => Ok(super::azcli::read(text)),
        Kind::Markdown => Ok(super::azcli::read(&super::azcli::markdown_script(text))),
        Kind::Bicep => super::bicep::read(text),
        Kind::Yaml | Kind::Json => Ok(Vec::new()),
    }
}
