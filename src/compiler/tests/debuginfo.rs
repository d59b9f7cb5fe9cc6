//! Debug information: variable and function names for error messages, checked against what
//! Lua 5.4 prints for the same code (e.g. "attempt to index a nil value (global 'x')").

use crate::compiler::opcodes::Op;
use crate::compiler::{compile, Proto};

fn proto(src: &str) -> Proto {
    compile(src.as_bytes(), b"=t").unwrap_or_else(|e| panic!("{e}"))
}

/// The pc of the first instruction (of function `p`) satisfying `pred`.
fn find(p: &Proto, pred: impl Fn(&Op) -> bool) -> usize {
    p.code
        .iter()
        .position(pred)
        .unwrap_or_else(|| panic!("not found in\n{}", crate::compiler::dump(p)))
}

fn describe(p: &Proto, pc: usize, reg: u8) -> Option<(&'static str, String)> {
    p.describe_register(pc, reg)
        .map(|(k, n)| (k, String::from_utf8_lossy(&n).into_owned()))
}

fn call(p: &Proto, pc: usize) -> Option<(&'static str, String)> {
    p.describe_call(pc)
        .map(|(k, n)| (k, String::from_utf8_lossy(&n).into_owned()))
}

fn pair(k: &'static str, n: &str) -> Option<(&'static str, String)> {
    Some((k, n.to_string()))
}

#[test]
fn register_names() {
    // x.y = 1  --> attempt to index a nil value (global 'x')
    let p = proto("x.y = 1");
    let pc = find(&p, |op| matches!(op, Op::SetFieldK { .. }));
    assert_eq!(describe(&p, pc, 0), pair("global", "x"));

    // local t = {}; t.a.b = 1  --> (field 'a')
    let p = proto("local t = {}; t.a.b = 1");
    let pc = find(&p, |op| matches!(op, Op::SetFieldK { .. }));
    assert_eq!(describe(&p, pc, 1), pair("field", "a"));
    assert_eq!(describe(&p, pc, 0), pair("local", "t"));

    // local s = {}; s:m()  --> attempt to call a nil value (method 'm')
    let p = proto("local s = {}; s:m()");
    let pc = find(&p, |op| matches!(op, Op::Call { .. }));
    assert_eq!(describe(&p, pc, 1), pair("method", "m"));
    assert_eq!(call(&p, pc), pair("method", "m"));

    // local u; function f() return u[1] end  --> (upvalue 'u')
    let p = proto("local u; function f() return u[1] end");
    let f = &p.protos[0];
    let pc = find(f, |op| matches!(op, Op::GetI { .. }));
    assert_eq!(describe(f, pc, 0), pair("upvalue", "u"));
    // u.x indexes the upvalue directly (GetTabUp): the interpreter names it from the operand
    let p = proto("local u; function f() return u.x end");
    let f = &p.protos[0];
    let pc = find(f, |op| matches!(op, Op::GetTabUp { .. }));
    assert!(matches!(f.code[pc], Op::GetTabUp { b: 0, .. }));
    assert_eq!(f.describe_upvalue(0), Some(&b"u"[..]));

    // ("abc") + 1  --> (constant 'abc')
    let p = proto("return ('abc') + 1");
    let pc = find(&p, |op| matches!(op, Op::AddI { .. }));
    assert_eq!(describe(&p, pc, 0), pair("constant", "abc"));

    // a key in a register that is not a string constant is "?"
    let p = proto("local t = {}; local x = t[1.5].z");
    let pc = find(&p, |op| matches!(op, Op::GetField { .. }));
    assert_eq!(describe(&p, pc, 1), pair("field", "?"));

    // t[1].z  --> (field 'integer index')... as Lua 5.4.4 says
    let p = proto("local t = {}; local x = t[1].z");
    let pc = find(&p, |op| matches!(op, Op::GetField { .. }));
    assert_eq!(describe(&p, pc, 1), pair("field", "integer index"));

    // a local named _ENV makes globals
    let p = proto("local _ENV = {}; x.y = 1");
    let pc = find(&p, |op| matches!(op, Op::SetFieldK { a: 1, .. }));
    assert_eq!(describe(&p, pc, 1), pair("global", "x"));

    // a value set in conditional code has no name
    let p = proto("local a; local b = a and x; b.y = 1");
    let pc = find(&p, |op| matches!(op, Op::SetFieldK { .. }));
    assert_eq!(describe(&p, pc, 1), pair("local", "b"));
    let p = proto("(a and x).y = 1");
    let pc = find(&p, |op| matches!(op, Op::SetFieldK { .. }));
    assert_eq!(describe(&p, pc, 0), None);
}

#[test]
fn local_names() {
    let p = proto("local a, b = 1, 2; do local c = 3; f() end; local d = 4");
    assert_eq!(p.local_name(0, 2), Some(&b"a"[..]));
    assert_eq!(p.local_name(1, 2), Some(&b"b"[..]));
    assert_eq!(p.local_name(2, 2), None); // c is not active while it is initialized
    assert_eq!(p.local_name(2, 3), Some(&b"c"[..]));
    assert_eq!(p.local_name(2, 6), Some(&b"d"[..]));
    assert_eq!(p.local_name(3, 6), None);
    // a compile-time constant takes no register
    let p = proto("local k <const> = 10; local v = k; v()");
    assert_eq!(p.local_name(0, 1), Some(&b"v"[..]));
}

#[test]
fn call_names() {
    let p = proto("f(); string.rep('x', 2); local t = {}; t.m(); for k in next, t do end");
    let calls: Vec<usize> = p
        .code
        .iter()
        .enumerate()
        .filter(|(_, op)| matches!(op, Op::Call { .. }))
        .map(|(i, _)| i)
        .collect();
    assert_eq!(call(&p, calls[0]), pair("global", "f"));
    assert_eq!(call(&p, calls[1]), pair("field", "rep"));
    assert_eq!(call(&p, calls[2]), pair("field", "m"));
    let pc = find(&p, |op| matches!(op, Op::TForCall { .. }));
    assert_eq!(call(&p, pc), pair("for iterator", "for iterator"));
    let p = proto("local a, b; local c = a + b; c = a .. b; c = a.x; a.x = 1; c = -a; c = #a; c = a < b; c = a == b");
    let events: Vec<String> = (0..p.code.len())
        .filter_map(|pc| call(&p, pc))
        .map(|(k, n)| format!("{k} {n}"))
        .collect();
    assert_eq!(
        events,
        [
            "metamethod add",
            "metamethod concat",
            "metamethod index",
            "metamethod newindex",
            "metamethod unm",
            "metamethod len",
            "metamethod lt",
            "metamethod eq"
        ]
    );
    let p = proto("local function f() local x <close> = nil end");
    let f = &p.protos[0];
    let pc = find(f, |op| matches!(op, Op::Return { .. }));
    assert_eq!(call(f, pc), pair("metamethod", "close"));
    // bad pcs are not a problem
    assert_eq!(p.describe_call(10_000), None);
    assert_eq!(p.describe_register(10_000, 200), None);
}
