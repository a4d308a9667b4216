//! Parsers: each turns input text into span-exact trees or models, never panicking on bad input.

pub mod arm;
pub mod azcli;
pub mod bicep;
pub mod json;
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
    pub max_alias_nodes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_document_bytes: 32 << 20,
            max_depth: 256,
            max_alias_nodes: 200_000,
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
