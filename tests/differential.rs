//! The bounded differential property: a few hundred generated programs (deterministic seeds)
//! run by telelua and by PUC-Rio Lua 5.4 in-process (mlua, vendored `lua54`) print the same
//! output and end the same way. The generator and the comparison are the `differential` fuzz
//! target's (`fuzz/common/`), included here so they are defined once; the fuzzer explores the
//! same space without bound (see the README's fuzzing section).

#[path = "../fuzz/common/differential.rs"]
mod differential;
#[path = "../fuzz/common/gen.rs"]
mod gen;

/// Programs checked; each is small (tens of statements), so this takes a few seconds.
const PROGRAMS: u64 = 300;

#[test]
fn generated_programs_agree_with_puc_lua() {
    let mut failures = Vec::new();
    for seed in 0..PROGRAMS {
        let data = gen::seed_bytes(seed, 600);
        if let Err(e) = differential::compare(&data) {
            if std::env::var("TELELUA_DIFF_VERBOSE").is_ok() {
                eprintln!(
                    "seed {seed}: {}",
                    e.split("---- program").next().unwrap_or("")
                );
            }
            failures.push(format!("seed {seed}: {e}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {PROGRAMS} programs differ; the first:\n{}",
        failures.len(),
        failures[0]
    );
}

#[test]
fn generated_programs_mostly_run() {
    // The generator is useful only if programs run well past their first statements.
    let mut lines = 0;
    for seed in 0..20 {
        let src = gen::program(&gen::seed_bytes(seed, 600));
        let (out, _) = differential::telelua(&src);
        lines += out.lines().count();
    }
    assert!(
        lines > 20 * 10,
        "generated programs print too little: {lines} lines"
    );
}

#[test]
fn generated_programs_reach_every_feature() {
    // What the grammar must keep producing, and the line that shows it was produced: a
    // generator change that drops a feature (or makes it vanishingly rare) fails here.
    let features: &[(&str, &str)] = &[
        ("load", "load("),
        ("utf8", "utf8."),
        ("string.pack", "string.pack("),
        ("string.unpack", "string.unpack("),
        ("varargs", "local function v(...)"),
        ("yields in metamethods", "table.pack(coroutine.resume(co"),
        ("finalizers", "\ngarbage("),
    ];
    let programs: Vec<String> = (0..PROGRAMS)
        .map(|seed| gen::program(&gen::seed_bytes(seed, 600)))
        .collect();
    for (name, marker) in features {
        // (Only what follows the prelude counts.)
        let n = programs
            .iter()
            .filter(|p| {
                p.split("local y1, y2")
                    .nth(1)
                    .is_some_and(|b| b.contains(marker))
            })
            .count();
        if std::env::var("TELELUA_DIFF_VERBOSE").is_ok() {
            eprintln!("{name}: {n} of {PROGRAMS} programs");
        }
        assert!(
            n * 10 >= PROGRAMS as usize,
            "only {n} of {PROGRAMS} generated programs use {name}"
        );
    }
}
