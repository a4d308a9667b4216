//! Normalised models that the rules read: objects, pod specs, scheduling constraints.

pub mod nodepool;
pub mod object;
pub mod scheduling;
pub mod script;
pub mod workload;
