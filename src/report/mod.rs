//! Report renderings. Every format shows the same sorted findings.

pub mod human;
pub mod json;
pub mod rules;
pub mod sarif;
pub mod github;
pub mod junit;
