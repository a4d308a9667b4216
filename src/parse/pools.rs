//! Dispatch of the text surfaces that define node pools to their readers.

use super::ParseError;
use super::budget::Budget;
use crate::discover::Kind;
use crate::model::nodepool::Cluster;

/// The clusters and pools a Bicep, Terraform, shell or Markdown text defines. Evaluation is charged
/// to `budget`, which records what it cut off.
pub fn read(kind: Kind, text: &str, budget: &Budget) -> Result<Vec<Cluster>, ParseError> {
    match kind {
        // Terraform's JSON syntax (`*.tf.json`) is a JSON object.
        Kind::TerraformJson => super::terraform::read_json(text),
        Kind::Terraform if text.trim_start().starts_with('{') => super::terraform::read_json(text),
        Kind::Terraform => super::terraform::read(text, budget),
        Kind::Shell => Ok(super::azcli::read(text)),
        Kind::Markdown => Ok(super::azcli::read(&super::azcli::markdown_script(text))),
        Kind::Bicep => super::bicep::read(text, budget),
        Kind::Yaml | Kind::Json | Kind::BicepParams => Ok(Vec::new()),
    }
}
