//! `telelua --save-at N --save FILE` then `telelua --resume FILE`: the two runs' outputs,
//! concatenated, equal one uninterrupted run, for every stopping point tried.

use std::os::unix::process::CommandExt;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_telelua");

fn run(args: &[&str]) -> (Vec<u8>, Vec<u8>, Option<i32>) {
    let out = Command::new(BIN)
        .arg0("telelua")
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("run telelua");
    (out.stdout, out.stderr, out.status.code())
}

#[test]
fn save_at_then_resume_equals_one_run() {
    let dir = std::env::temp_dir().join(format!("telelua-save-resume-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for script in ["tests/lua/coro_generators.lua", "tests/lua/prog_json.lua"] {
        let (whole, whole_err, code) = run(&["--stats", script]);
        assert_eq!(
            code,
            Some(0),
            "{script}: {}",
            String::from_utf8_lossy(&whole_err)
        );
        for at in [1u64, 100, 1000, 5000] {
            let snap = dir.join(format!("s{at}.snap"));
            let snap = snap.to_str().unwrap();
            let (first, err1, c1) = run(&["--save-at", &at.to_string(), "--save", snap, script]);
            assert_eq!(
                c1,
                Some(0),
                "{script} @{at}: {}",
                String::from_utf8_lossy(&err1)
            );
            let (second, err2, c2) = run(&["--stats", "--resume", snap]);
            assert_eq!(
                c2,
                Some(0),
                "{script} @{at}: {}",
                String::from_utf8_lossy(&err2)
            );
            let mut joined = first.clone();
            joined.extend_from_slice(&second);
            assert_eq!(
                String::from_utf8_lossy(&joined),
                String::from_utf8_lossy(&whole),
                "{script}: saved at {at}, resumed"
            );
            // The resumed run ends with the same total fuel as the uninterrupted one.
            let fuel = |e: &[u8]| {
                String::from_utf8_lossy(e)
                    .lines()
                    .find(|l| l.starts_with("telelua: fuel used: "))
                    .map(str::to_string)
            };
            assert_eq!(fuel(&err2), fuel(&whole_err), "{script} @{at}: fuel");
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}
