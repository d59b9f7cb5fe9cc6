//! The examples run as tests, so `cargo test` keeps them working.

#[allow(dead_code)]
#[path = "../examples/embed.rs"]
mod embed;

#[test]
fn embed_example_runs() {
    embed::main().expect("examples/embed.rs");
}

#[allow(dead_code)]
#[path = "../examples/host_loop.rs"]
mod host_loop;

#[test]
fn host_loop_example_isolates_the_three() {
    use telelua::{AgentState, StopReason};
    let n = 200;
    let s = host_loop::run(n).expect("examples/host_loop.rs");
    assert_eq!(s.healthy, n - 3, "{s:?}");
    assert_eq!(s.reports, (n - 3) * 3, "{s:?}");
    let states: Vec<_> = s.misbehaving.iter().map(|(_, _, st)| st.clone()).collect();
    assert_eq!(states[0], AgentState::Stopped(StopReason::Fuel));
    assert_eq!(states[1], AgentState::Stopped(StopReason::Memory));
    assert!(
        matches!(&states[2], AgentState::Failed(e) if e.message.contains("attempt to index a nil value"))
    );
}

#[allow(dead_code)]
#[path = "../examples/rollback.rs"]
mod rollback;

#[test]
fn rollback_example_matches_the_on_time_run() {
    let r = rollback::run(200).expect("examples/rollback.rs");
    assert!(r.rollbacks >= 5, "{r:?}");
    assert!(
        r.resimulated <= r.rollbacks * (rollback::DELAY + 1),
        "{r:?}"
    );
    assert!(
        r.resimulated >= (r.rollbacks - 1) * (rollback::DELAY + 1),
        "{r:?}"
    );
    assert!(r.identical, "{r:?}");
}

#[allow(dead_code)]
#[path = "../examples/roaming_agent.rs"]
mod roaming_agent;

/// A server process of the roaming demo: this test binary started again by the test below
/// (with its role in `ROAM_*` variables); does nothing when run as an ordinary test.
#[test]
fn roaming_server_process() {
    if std::env::var_os("ROAM_NAME").is_some() {
        roaming_agent::serve_from_env().expect("roaming server");
    }
}

/// Needs `redis-server` (`.ci/run` installs it): a missing server fails, never skips.
#[test]
fn roaming_agent_moves_between_processes_through_redis() {
    let exe = std::env::current_exe().expect("test binary");
    let r = roaming_agent::run(&|| {
        let mut c = std::process::Command::new(&exe);
        c.args(["roaming_server_process", "--exact", "--test-threads=1"]);
        c
    })
    .expect("examples/roaming_agent.rs");
    assert_eq!(r.output, r.reference, "{:#?}", r.log);
    assert!(r.output.len() >= 10, "{r:?}");
    assert!(r.finished.starts_with("on A: Finished"), "{r:?}");
    // A -> B -> A; the corrupted and the truncated entry of the first hop rejected; the
    // resent copy ignored; what the killed B held reclaimed by the next one.
    assert_eq!(r.hops, 2, "{r:?}");
    assert_eq!(r.rejected, 2, "{r:?}");
    assert!(r.duplicates >= 1, "{r:?}");
    assert!(r.reclaimed >= 1, "{r:?}");
}
