//! `telelua --record FILE script` then `telelua --replay FILE [script]`: the replay prints
//! the same output without the recording's stdin or clock, and a changed script is reported
//! at the step where it diverges.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_telelua");

fn run(args: &[&str], stdin: &[u8]) -> (String, String, Option<i32>) {
    let mut child = Command::new(BIN)
        .arg0("telelua")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run telelua");
    // (A run that reads no input may exit before the write: a broken pipe is no failure.)
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code(),
    )
}

const SCRIPT: &str = r#"
math.randomseed(os.time(), math.floor(os.clock() * 1e6))
local rolls = {}
for i = 1, 5 do rolls[i] = math.random(6) end
local line = io.read("l")
local co = coroutine.wrap(function(a) while true do a = coroutine.yield(a * 2) end end)
print(line, co(3), co(4), #rolls)
local t = setmetatable({}, {__gc = function() print("finalized") end})
local s = 0
for i = 1, 300000 do s = s + i % 7 end
print("sum", s, arg[1])
"#;

#[test]
fn a_recorded_run_replays_and_a_changed_script_diverges() {
    let dir = std::env::temp_dir().join(format!("telelua-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let script = dir.join("game.lua");
    std::fs::write(&script, SCRIPT).unwrap();
    let (script, journal) = (script.to_str().unwrap(), dir.join("game.jnl"));
    let journal = journal.to_str().unwrap();

    let (recorded, err, code) = run(&["--record", journal, script, "x"], b"typed line\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(recorded.starts_with("typed line\t6\t8\t5\n"), "{recorded}");
    assert!(recorded.ends_with("finalized\n"), "{recorded}");

    // Without the script: from the journal's own initial state; stdin is not read.
    let (replayed, err, code) = run(&["--replay", journal], b"other input\n");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(replayed, recorded);
    assert!(err.contains("identical"), "{err}");

    // With the same script loaded again: identical too.
    let (replayed, err, code) = run(&["--replay", journal, script, "x"], b"");
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(replayed, recorded);

    // A changed script (same name): the first step shows it.
    std::fs::write(dir.join("game.lua"), SCRIPT.replace("i % 7", "i % 5")).unwrap();
    let (_, err, code) = run(&["--replay", journal, script, "x"], b"");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("replay diverged at step 1"), "{err}");

    // A damaged journal is an error, not a panic.
    let bytes = std::fs::read(journal).unwrap();
    std::fs::write(journal, &bytes[..bytes.len() / 2]).unwrap();
    let (_, err, code) = run(&["--replay", journal], b"");
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("not a telelua journal"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
