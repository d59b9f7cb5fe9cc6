//! Pathological nesting must give Lua's clean "C stack overflow" error, never overflow the
//! Rust stack — checked on a thread with a 2 MB stack (Rust's default for spawned threads),
//! which must also hold in unoptimized builds (measured: unoptimized, every source below also
//! compiles on a 1 MB stack, not on 512 KB).

use crate::compiler::compile;

const N: usize = 100_000;

/// Sources nesting one construct `N` deep.
fn sources() -> Vec<(&'static str, String)> {
    let rep = |s: &str, n: usize| s.repeat(n);
    vec![
        ("parens", format!("return {}1{}", rep("(", N), rep(")", N))),
        ("tables", format!("x = {}{}", rep("{", N), rep("}", N))),
        (
            "keyed tables",
            format!("x = {}1{}", rep("{a=", N), rep("}", N)),
        ),
        ("calls", format!("x = {}{}", rep("f(", N), rep(")", N))),
        ("methods", format!("x = {}{}", rep("o:m(", N), rep(")", N))),
        ("indexing", format!("x = {}1{}", rep("t[", N), rep("]", N))),
        ("unary", format!("x = {}1", rep("- ", N))),
        ("not", format!("x = {}1", rep("not ", N))),
        ("concat", format!("x = 1{}", rep(" .. 1", N))),
        ("pow", format!("x = 2{}", rep("^2", N))),
        ("and-or", format!("x = 1{}", rep(" and 1 or 1", N))),
        (
            "functions",
            format!("x = {}1{}", rep("function() return ", N), rep(" end", N)),
        ),
        (
            "local functions",
            format!("{}{}", rep("local function f() ", N), rep(" end", N)),
        ),
        ("do", format!("{}{}", rep("do ", N), rep("end ", N))),
        ("if", format!("{}{}", rep("if x then ", N), rep("end ", N))),
        (
            "while",
            format!("{}{}", rep("while x do ", N), rep("end ", N)),
        ),
        (
            "repeat",
            format!("{}{}", rep("repeat ", N), rep("until x ", N)),
        ),
        (
            "for",
            format!("{}{}", rep("for i = 1, 2 do ", N), rep("end ", N)),
        ),
        (
            "for in",
            format!("{}{}", rep("for k, v in pairs(t) do ", N), rep("end ", N)),
        ),
        ("assignment", format!("{}a = 1", rep("a, ", N))),
        ("labels", (0..N).map(|i| format!("::l{i}:: ")).collect()),
        ("open parens", rep("(", N)),
        ("open braces", format!("x = {}", rep("{", N))),
        ("open functions", rep("function f() ", N)),
        (
            "elseif",
            format!("if x then {} end", rep("elseif x then ", N)),
        ),
        ("table fields", format!("x = {{{}}}", rep("1, ", N))),
    ]
}

#[test]
fn deep_nesting_is_a_clean_error() {
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            for (what, src) in sources() {
                match compile(src.as_bytes(), b"=deep") {
                    Ok(p) => {
                        crate::compiler::verify(&p).unwrap_or_else(|e| panic!("{what}: {e}"));
                    }
                    Err(e) => assert!(!e.message.is_empty(), "{what}"),
                }
            }
        })
        .expect("spawn");
    handle.join().expect("no stack overflow");
}

#[test]
fn nesting_limit_matches_lua() {
    // Lua 5.4.4 (load called from a main chunk): 195 parentheses compile, 196 do not.
    let parens = |n: usize| format!("return {}1{}", "(".repeat(n), ")".repeat(n));
    assert!(compile(parens(195).as_bytes(), b"=t").is_ok());
    assert_eq!(
        compile(parens(196).as_bytes(), b"=t").unwrap_err().message,
        "C stack overflow"
    );
}

#[test]
#[ignore]
fn time_each() {
    for (what, src) in sources() {
        let t = std::time::Instant::now();
        let r = compile(src.as_bytes(), b"=deep");
        println!(
            "{what:20} {:?} {}",
            t.elapsed(),
            r.map(|_| "ok".to_string()).unwrap_or_else(|e| e.message)
        );
    }
}
