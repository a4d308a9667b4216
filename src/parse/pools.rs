//! Dispatch of the text surfaces that define node pools to their readers.

use super::ParseError;
use crate::discover::Kind;
use crate::model::nodepool::Cluster;

/// The clusters and pools a Bicep, Terraform, shell or Markdown text defines.
pub fn read(kind: Kind, text: &str) -> Result<Vec<Cluster>, ParseError> {
    match kind {
        Kind::Terraform => super::terraform::read(text),
        Kind::Shell => Ok(super::azcli::read(text)),
        Kind::Markdown => Ok(super::azcli::read(&super::azcli::markdown_script(text))),
        Kind::Bicep => super::bicep::read(text),
        Kind::Yaml | Kind::Json | Kind::TerraformJson | Kind::BicepParams => Ok(Vec::new()),
    }
}
