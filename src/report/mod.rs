//! Report renderings. Every format shows the same sorted findings.

pub mod github;
pub mod human;
pub mod json;
pub mod junit;
pub mod rules;
pub mod sarif;
