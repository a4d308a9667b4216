//! Normalised models that the rules read: objects, pod specs, scheduling constraints.

pub mod object;
pub mod scheduling;
pub mod script;
pub mod workload;
