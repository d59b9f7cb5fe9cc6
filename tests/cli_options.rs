//! The `telelua` command's `lua`-compatible options and environment, checked against what
//! `lua5.4` prints for the same command lines (the cases of the official suite's `main.lua`
//! that do not need a terminal): `-l`, `-E`, `LUA_INIT`, the script's arguments read from
//! `arg` when it starts, the interactive loop's prompts and its `print`.

use std::io::Write;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_telelua");

/// Runs the command in a scratch directory holding `files`, with `env` set (and the
/// variables `lua` reads cleared otherwise) and `stdin` as input: (stdout, stderr, status).
fn run(
    args: &[&str],
    env: &[(&str, &str)],
    files: &[(&str, &str)],
    stdin: &str,
) -> (String, String, Option<i32>) {
    let dir = std::env::temp_dir().join(format!(
        "telelua-cli-options-{}-{}",
        std::process::id(),
        args.join("_").replace(['/', ' ', '"', '\''], "")
    ));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(name), text).unwrap();
    }
    let mut cmd = Command::new(BIN);
    cmd.args(args).current_dir(&dir);
    for v in [
        "LUA_INIT",
        "LUA_INIT_5_4",
        "LUA_PATH",
        "LUA_PATH_5_4",
        "LUA_CPATH",
        "LUA_CPATH_5_4",
    ] {
        cmd.env_remove(v);
    }
    cmd.envs(env.iter().copied());
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run telelua");
    // (A run that reads no input may exit before the write: a broken pipe is no failure.)
    let _ = child.stdin.take().unwrap().write_all(stdin.as_bytes());
    let out = child.wait_with_output().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

#[test]
fn dash_l_requires_a_module_into_a_global() {
    let files = [("mymod.lua", "return {v = 42, name = ...}")];
    let (out, err, code) = run(
        &[
            "-l",
            "mymod",
            "-lm2=mymod",
            "-e",
            "print(mymod.v, m2.name, mymod == m2)",
        ],
        &[("LUA_PATH", "./?.lua")],
        &files,
        "",
    );
    assert_eq!(
        (out.as_str(), code),
        ("42\tmymod\ttrue\n", Some(0)),
        "{err}"
    );
    // In command-line order: `-e` before `-l` sees no module yet.
    let (out, _, _) = run(
        &["-e", "print(mymod)", "-l", "mymod", "-e", "print(mymod.v)"],
        &[("LUA_PATH", "./?.lua")],
        &files,
        "",
    );
    assert_eq!(out, "nil\n42\n");
    let (_, err, code) = run(&["-l", "nonexistent"], &[], &[], "");
    assert!(err.contains("module 'nonexistent' not found"), "{err}");
    assert_eq!(code, Some(1));
    let (_, err, code) = run(&["-l"], &[], &[], "");
    assert!(err.contains("'-l' needs argument"), "{err}");
    assert_eq!(code, Some(1));
}

#[test]
fn lua_init_runs_first_unless_dash_e_upper() {
    let files = [("init.lua", "x = (x or 10) + 1"), ("p.lua", "print(X, x)")];
    let (out, err, _) = run(
        &["p.lua", "3.2"],
        &[("LUA_INIT", "X = tonumber(arg[1])")],
        &files,
        "",
    );
    assert_eq!(out, "3.2\tnil\n", "{err}");
    let env = [("LUA_INIT_5_4", "X = 10"), ("LUA_INIT", "X = 3")];
    assert_eq!(run(&["p.lua"], &env, &files, "").0, "10\tnil\n");
    let (out, _, _) = run(&["p.lua"], &[("LUA_INIT", "@init.lua")], &files, "");
    assert_eq!(out, "nil\t11\n");
    let (_, err, code) = run(&["p.lua"], &[("LUA_INIT", "error('msg')")], &files, "");
    assert!(err.contains("LUA_INIT:1: msg"), "{err}");
    assert_eq!(code, Some(1));
    // `-E`: no `LUA_INIT`, and the default paths whatever the environment says.
    let env = [
        ("LUA_INIT", "error(10)"),
        ("LUA_PATH", "xxx"),
        ("LUA_CPATH", "yyy"),
    ];
    let files = [(
        "q.lua",
        "print(package.path ~= 'xxx', package.cpath ~= 'yyy')",
    )];
    let (out, err, code) = run(&["-E", "q.lua"], &env, &files, "");
    assert_eq!((out.as_str(), code), ("true\ttrue\n", Some(0)), "{err}");
    let (out, _, _) = run(&["q.lua"], &[("LUA_PATH", "xxx")], &files, "");
    assert_eq!(out, "false\ttrue\n");
}

#[test]
fn the_script_takes_its_arguments_from_arg_when_it_starts() {
    let files = [("s.lua", "print(...)")];
    let (out, _, _) = run(&["-e", "arg[1] = 100", "s.lua", "a", "b"], &[], &files, "");
    assert_eq!(out, "100\tb\n");
    let (out, _, _) = run(&["-e", "arg[1] = 100", "-"], &[], &[], "print(...)");
    assert_eq!(out, "100\n");
    let (_, err, code) = run(&["-e", "arg = 1", "-"], &[], &[], "");
    assert!(err.contains("'arg' is not a table"), "{err}");
    assert_eq!(code, Some(1));
}

#[test]
fn the_interactive_loop_uses_the_prompts_and_the_global_print() {
    let input = "(6*2-6) -- ===\na =\n10\nprint(a)\na\n";
    let (out, err, _) = run(&["-e", "_PROMPT='' _PROMPT2=''", "-i"], &[], &[], input);
    assert!(out.ends_with("6\n10\n10\n\n"), "{out:?} {err}");
    let prompt = "_PROMPT = setmetatable({}, {__tostring = function() return 'P>' end})";
    let (out, _, _) = run(&["-e", prompt, "-i"], &[], &[], "x = 1\n");
    assert!(out.ends_with("P>P>\n"), "{out:?}");
    let (_, err, _) = run(&["-e", "print = nil", "-i"], &[], &[], "10\n");
    assert!(
        err.contains("error calling 'print' (attempt to call a nil value)"),
        "{err}"
    );
}
