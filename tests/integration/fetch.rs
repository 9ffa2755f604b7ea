//! Issue 4: downloading published data, tested against a local HTTP server on 127.0.0.1.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::Path;

use scaling_laws::fetch::{KnownDataset, fetch, sha256_hex};

use crate::common::{bin, shared_data, stderr, stdout, temp_dir};

/// Serve `count` requests with `status` and `body`; returns the base address.
fn serve(status: u16, body: Vec<u8>, count: usize) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    format!("http://{addr}")
}

fn dataset(body: &[u8]) -> KnownDataset {
    KnownDataset {
        name: "test",
        description: "test data",
        url: "http://127.0.0.1:9/unused",
        sha256: Box::leak(sha256_hex(body).into_boxed_str()),
        file_name: "test.csv",
    }
}

fn files_in(dir: &Path) -> Vec<String> {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => vec![],
    }
}

const BODY: &[u8] = b"N,D,loss\n1e8,1e9,3.0\n";

#[test]
fn good_download_is_verified_saved_and_reused() {
    let cache = temp_dir();
    let url = format!("{}/data.csv", serve(200, BODY.to_vec(), 1));
    let d = dataset(BODY);
    let got = fetch(&d, Some(&url), cache.path()).unwrap();
    assert!(got.downloaded);
    assert_eq!(std::fs::read(&got.path).unwrap(), BODY);
    assert_eq!(files_in(cache.path()), vec!["test.csv".to_string()]);
    // The server is gone; the verified copy is used.
    let again = fetch(&d, Some(&url), cache.path()).unwrap();
    assert!(!again.downloaded);
}

#[test]
fn checksum_mismatch_saves_nothing() {
    let cache = temp_dir();
    let url = format!("{}/data.csv", serve(200, b"tampered".to_vec(), 1));
    let err = fetch(&dataset(BODY), Some(&url), cache.path()).unwrap_err();
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
    assert!(files_in(cache.path()).is_empty());
}

#[test]
fn http_error_is_reported_and_saves_nothing() {
    let cache = temp_dir();
    let url = format!("{}/missing.csv", serve(404, b"not found".to_vec(), 1));
    let err = fetch(&dataset(BODY), Some(&url), cache.path()).unwrap_err();
    assert!(err.to_string().contains("HTTP 404"), "{err}");
    assert!(files_in(cache.path()).is_empty());
}

#[test]
fn unreachable_host_is_reported_and_saves_nothing() {
    let cache = temp_dir();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let err = fetch(
        &dataset(BODY),
        Some(&format!("http://127.0.0.1:{port}/x.csv")),
        cache.path(),
    )
    .unwrap_err();
    assert!(err.to_string().contains("cannot download"), "{err}");
    assert!(files_in(cache.path()).is_empty());
}

#[test]
fn cli_fetches_chinchilla_from_a_mirror_and_rejects_a_bad_copy() {
    let Some(path) = shared_data("chinchilla_epoch_svg_extracted.csv") else {
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let cache = temp_dir();
    let url = format!("{}/svg_extracted_data.csv", serve(200, bytes.clone(), 1));
    let out = bin()
        .args(["data", "fetch", "chinchilla", "--url", &url])
        .env("SCALING_LAWS_CACHE", cache.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let saved = stdout(&out).trim().to_string();
    assert_eq!(std::fs::read(&saved).unwrap(), bytes);

    let other = temp_dir();
    let url = format!(
        "{}/svg_extracted_data.csv",
        serve(200, b"x,y\n1,2\n".to_vec(), 1)
    );
    let out = bin()
        .args(["data", "fetch", "chinchilla", "--url", &url])
        .env("SCALING_LAWS_CACHE", other.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("checksum mismatch"),
        "{}",
        stderr(&out)
    );
    assert!(files_in(other.path()).is_empty());

    // --data verifies a local copy.
    let out = bin()
        .args([
            "data",
            "fetch",
            "chinchilla",
            "--data",
            path.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = bin().args(["data", "fetch", "nope"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("unknown dataset 'nope'; known: chinchilla"));
}

/// Answer one request with a redirect to `location`; returns the base address.
fn serve_redirect(location: &str) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let location = location.to_string();
    std::thread::spawn(move || {
        if let Some(Ok(mut stream)) = listener.incoming().next() {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf);
            let head = format!(
                "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(head.as_bytes());
        }
    });
    format!("http://{addr}")
}

fn fetch_url(url: &str) -> std::process::Output {
    let cache = temp_dir();
    bin()
        .args(["data", "fetch", "chinchilla", "--url", url])
        .env("SCALING_LAWS_CACHE", cache.path())
        .output()
        .unwrap()
}

#[test]
fn malformed_or_unsupported_urls_are_bad_usage() {
    for (url, says) in [
        ("not a url", "is not an address"),
        ("file:///etc/passwd", "unsupported scheme 'file'"),
        ("ftp://example.org/x.csv", "unsupported scheme 'ftp'"),
        ("http://", "has no host name"),
    ] {
        let out = fetch_url(url);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{url}: {err}");
        assert!(
            err.contains("invalid --url") && err.contains(says),
            "{url}: {err}"
        );
        assert!(!err.contains("http: invalid format"), "{err}");
    }
}

#[test]
fn credentials_in_a_url_are_never_echoed() {
    let out = fetch_url("http://someone:hunter2@127.0.0.1:9/data.csv");
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        !err.contains("hunter2") && !err.contains("someone"),
        "{err}"
    );
    assert!(err.contains("http://***@127.0.0.1:9/data.csv"), "{err}");
    let out = fetch_url("gopher://someone:hunter2@example.org/");
    assert!(!stderr(&out).contains("hunter2"), "{}", stderr(&out));
}

#[test]
fn a_redirect_to_a_file_is_reported_as_such() {
    let url = format!("{}/data.csv", serve_redirect("file:///etc/passwd"));
    let out = fetch_url(&url);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("redirected to 'file:///etc/passwd'") && err.contains("only http"),
        "{err}"
    );
    // Not reported as a missing file (the server's port may hold the digits 404 too).
    assert!(!err.replace(&url, "").contains("404"), "{err}");
}

#[test]
fn a_redirect_to_http_is_followed() {
    let target = format!("{}/data.csv", serve(200, BODY.to_vec(), 1));
    let url = format!("{}/old.csv", serve_redirect(&target));
    let cache = temp_dir();
    let got = fetch(&dataset(BODY), Some(&url), cache.path()).unwrap();
    assert_eq!(std::fs::read(got.path).unwrap(), BODY);
}
