//! Temporary stand-in for the compiler's debug-info queries until they land.
#![allow(dead_code)]
use crate::compiler::Proto;

/// Debug-info queries on compiled code (names of registers, calls, upvalues).
pub trait ProtoDebug {
    /// Name of the `reg`-th active local at `pc`.
    fn local_name(&self, _reg: u8, _pc: usize) -> Option<&[u8]> {
        None
    }
    /// What register `reg` holds just before `pc`: ("global", name) etc.
    fn describe_register(&self, _pc: usize, _reg: u8) -> Option<(&'static str, Vec<u8>)> {
        None
    }
    /// Name of the function called by the instruction at `pc`.
    fn describe_call(&self, _pc: usize) -> Option<(&'static str, Vec<u8>)> {
        None
    }
}

impl ProtoDebug for Proto {}
