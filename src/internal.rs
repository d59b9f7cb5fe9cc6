#![allow(rustdoc::broken_intra_doc_links, rustdoc::private_intra_doc_links)]
//! The VM's stages, for the crate's fuzz targets, benches and tests. Not a supported API:
//! anything here may change without notice. The supported API is the crate root.

#[path = "compiler/mod.rs"]
pub mod compiler;
#[path = "limits/mod.rs"]
pub mod limits;
#[path = "number/mod.rs"]
pub mod number;
#[path = "snapshot/mod.rs"]
pub mod snapshot;
#[path = "stdlib/mod.rs"]
pub mod stdlib;
#[path = "vm/mod.rs"]
pub mod vm;
