//! Parsers: each turns input text into span-exact trees or models, never panicking on bad input.

pub mod arm;
pub mod azcli;
pub mod bicep;
pub mod budget;
pub mod json;
mod libyaml;
pub mod markdown;
pub mod node;
pub mod pools;
pub mod shell;
pub mod terraform;
pub mod yaml;
mod yaml_fast;

use crate::source::Pos;

/// Bounds that keep hostile input from exhausting memory or stack.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_document_bytes: usize,
    pub max_depth: usize,
    /// Nodes YAML aliases may expand to, per input file (a stream of small bombs adds up).
    pub max_alias_nodes: usize,
    /// Values that expanding references (ARM, Terraform, Bicep) may produce, per input file.
    pub max_eval_values: usize,
    /// Bytes of text that expansions and string interpolation may produce, per input file.
    pub max_eval_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 32 << 20,
            max_depth: 256,
            max_alias_nodes: 200_000,
            max_eval_values: 200_000,
            max_eval_bytes: 16 << 20,
        }
    }
}

/// A parse failure at a position in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    pub pos: Pos,
    pub message: String,
}

impl ParseError {
    pub fn new(pos: Pos, message: String) -> Self {
        ParseError { pos, message }
    }
}
