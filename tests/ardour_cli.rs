//! The CLI on Ardour sessions: exit codes, and damaged input left untouched.

use assert_cmd::Command;

const SESSION: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Session version="7003" name="t" sample-rate="48000" id-counter="100">
  <Routes>
    <Route version="7003" id="10" name="Master" default-type="audio">
      <PresentationInfo order="0" flags="MasterOut,OrderSet" color="0"/>
      <IO name="Master" id="11" direction="Input" default-type="audio">
        <Port name="Master/audio_in 1" type="audio" direction="Input">
          <Connection other="kick/audio_out 1"/>
        </Port>
      </IO>
      <Controllable name="mute" id="12" flags="Toggle,RealTime" value="0"/>
    </Route>
    <Route version="7003" id="20" name="kick" default-type="audio" audio-playlist="30">
      <PresentationInfo order="1" flags="AudioTrack,OrderSet" color="4278190335"/>
      <IO name="kick" id="21" direction="Output" default-type="audio">
        <Port name="kick/audio_out 1" type="audio" direction="Output">
          <Connection other="Master/audio_in 1"/>
        </Port>
      </IO>
      <Controllable name="mute" id="22" flags="Toggle,RealTime" value="0"/>
    </Route>
  </Routes>
  <Playlists>
    <Playlist id="30" name="kick" type="audio" orig-track-id="20">
      <Region name="kick-1" id="31" source-0="40" muted="0"/>
    </Playlist>
  </Playlists>
</Session>
"#;

#[test]
fn unclosed_session_exits_2_and_is_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.ardour");
    let cut = &SESSION[..SESSION.find("  <Playlists>").unwrap()];
    std::fs::write(&path, cut).unwrap();
    let out = Command::cargo_bin("premix")
        .unwrap()
        .args(["apply", "--in-place"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), cut);
    let entries = std::fs::read_dir(dir.path()).unwrap().count();
    assert_eq!(entries, 1, "no backup or temporary file left behind");
}

#[test]
fn check_and_apply_rename_colour_and_report_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.ardour");
    std::fs::write(&path, SESSION).unwrap();
    // `check` finds changes: exit 1.
    Command::cargo_bin("premix")
        .unwrap()
        .arg("check")
        .arg(&path)
        .assert()
        .code(1);
    Command::cargo_bin("premix")
        .unwrap()
        .args(["apply", "--in-place", "--no-backup"])
        .arg(&path)
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        text.contains(r#"<Route version="7003" id="20" name="Kick" "#),
        "{text}"
    );
    assert!(
        text.contains(r#"<Connection other="Kick/audio_out 1"/>"#),
        "{text}"
    );
    assert!(text.contains(r#"color="3645849087""#), "{text}"); // #d94f3d, alpha ff
    // A second run has nothing left to write.
    let again = Command::cargo_bin("premix")
        .unwrap()
        .args(["apply", "--in-place", "--no-backup"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(again.status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
}
