//! How fast a full-size RIB dump imports, against the floor set by decompression alone.
//!
//! Writes a synthetic RouteViews-sized RIB (1,000,000 IPv4 and 100,000 IPv6 prefixes, each
//! seen by 20 peers: 22 million route entries), bzip2-compressed, to a temporary folder.
//! Then it measures, in one run:
//! - the wall time of the system's `bzip2 -dc FILE > /dev/null`, the floor;
//! - the wall time of reading the file through `routing::compression` and
//!   `routing::mrt::read` with a callback that does trivial work;
//! - the peak resident memory of that read.
//!
//! The read runs in a child process (this program started again with
//! `ROUTING_BENCH_READ=FILE`), because the peak resident memory the kernel reports
//! (`VmHWM` in /proc/self/status) covers a process's whole life: measured here it would
//! be the generator's peak, not the reader's. The child reports its own time and peak.
//!
//! - the wall time and peak resident memory of the application's whole
//!   `import-routing --kind mrt` of the same file into a new SQLite database (digest,
//!   read, path cleaning, aggregation, the transaction and the findings).
//!
//! Targets: the import within 1.3 times `bzip2 -dc`, and under 200 MB resident.
//! Run with `cargo bench --bench routing` (not run by CI: it takes minutes).
//!
//! Prefixes are /24s in 240.0.0.0/4 (reserved, never routed) and /56s in 2001:db8::/32,
//! because the IPv4 documentation ranges hold far too few prefixes; ASNs come from the
//! documentation ranges.

use std::env;
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc::sync_channel;
use std::thread;
use std::time::Instant;

use interconnect_registry::domain::routing::{Announcement, Segment};
use interconnect_registry::routing::{compression, mrt, synth};
use ipnet::{IpNet, Ipv4Net, Ipv6Net};

/// Set in the child process to the file it must read.
const READ_ENV: &str = "ROUTING_BENCH_READ";

const IPV4_PREFIXES: u32 = 1_000_000;
const IPV6_PREFIXES: u32 = 100_000;
const PEERS: u32 = 20;
/// Prefixes per RIB encoder pass; each pass becomes a peer index table and its records.
const PREFIXES_PER_PASS: u32 = 5_000;
const DUMP_TIME: i64 = 1_700_000_000;

/// The documentation ASNs (RFC 5398).
const ASNS: [u32; 32] = [
    64496, 64497, 64498, 64499, 64500, 64501, 64502, 64503, 64504, 64505, 64506, 64507, 64508,
    64509, 64510, 64511, 65536, 65537, 65538, 65539, 65540, 65541, 65542, 65543, 65544, 65545,
    65546, 65547, 65548, 65549, 65550, 65551,
];

fn main() -> ExitCode {
    match env::var_os(READ_ENV) {
        Some(file) => read_in_child(Path::new(&file)),
        None => run(),
    }
}

fn run() -> ExitCode {
    let dir = env::temp_dir().join(format!("routing-bench-{}", std::process::id()));
    if let Err(error) = fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {error}", dir.display());
        return ExitCode::FAILURE;
    }
    let file = dir.join("rib.synthetic.bz2");
    let outcome = measure(&file);
    let _ = fs::remove_dir_all(&dir);
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("benchmark failed: {error}");
            ExitCode::FAILURE
        }
    }
}

fn measure(file: &Path) -> Result<(), String> {
    let started = Instant::now();
    let (entries, raw_bytes) = generate(file)?;
    let generation = started.elapsed().as_secs_f64();
    let compressed_bytes = fs::metadata(file).map_err(|e| e.to_string())?.len();
    println!(
        "generated {entries} route entries, {:.0} MB raw, {:.0} MB bzip2, in {generation:.1} s",
        mb(raw_bytes),
        mb(compressed_bytes)
    );

    let floor = time_system_bzip2(file);
    let child = read_through_child(file)?;
    let import = import_through_binary(file)?;

    println!();
    println!("| measure                              | value        |");
    println!("|--------------------------------------|--------------|");
    match floor {
        Some(seconds) => println!("| bzip2 -dc FILE > /dev/null (wall)    | {seconds:>10.2} s |"),
        None => println!("| bzip2 -dc FILE > /dev/null (wall)    | bzip2 missing |"),
    }
    println!(
        "| compression + mrt::read (wall)       | {:>10.2} s |",
        child.seconds
    );
    println!(
        "| routes read per second               | {:>10.0}   |",
        child.announcements as f64 / child.seconds
    );
    println!(
        "| peak resident memory of the read     | {:>9.1} MB |",
        child.peak_kb as f64 / 1024.0
    );
    if let Some(seconds) = floor {
        println!(
            "| read / bzip2 -dc                     | {:>10.2}x  |",
            child.seconds / seconds
        );
    }
    println!(
        "| import-routing --kind mrt (wall)     | {:>10.2} s |",
        import.seconds
    );
    println!(
        "| peak resident memory of the import   | {:>9.1} MB |",
        import.peak_kb as f64 / 1024.0
    );
    if let Some(seconds) = floor {
        println!(
            "| import / bzip2 -dc                   | {:>10.2}x  |",
            import.seconds / seconds
        );
    }
    println!(
        "| import's summary                     | {} |",
        import.summary
    );
    println!();
    println!(
        "read {} records, {} announcements; targets: import <= 1.3x bzip2 -dc, peak < 200 MB",
        child.records, child.announcements
    );
    if child.announcements != entries {
        return Err(format!(
            "expected {entries} announcements, read {}",
            child.announcements
        ));
    }
    Ok(())
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

/// Writes the RIB in passes of the RIB encoder, compressing on a second thread while the
/// next pass is encoded. Returns the route entries written and the uncompressed size.
fn generate(file: &Path) -> Result<(u64, u64), String> {
    let out = File::create(file).map_err(|e| format!("{}: {e}", file.display()))?;
    let (sender, receiver) = sync_channel::<Vec<u8>>(2);
    let compressor = thread::spawn(move || -> std::io::Result<()> {
        let mut encoder =
            bzip2::write::BzEncoder::new(BufWriter::new(out), bzip2::Compression::best());
        for pass in receiver {
            encoder.write_all(&pass)?;
        }
        encoder.finish()?.flush()
    });
    let peers = peers();
    let total = IPV4_PREFIXES + IPV6_PREFIXES;
    let mut entries = 0u64;
    let mut raw_bytes = 0u64;
    let mut first = 0;
    while first < total {
        let last = (first + PREFIXES_PER_PASS).min(total);
        let mut batch = Vec::with_capacity(((last - first) * PEERS) as usize);
        for index in first..last {
            let prefix = prefix(index);
            for (peer_index, &(peer_asn, peer_ip)) in peers.iter().enumerate() {
                batch.push(Announcement {
                    peer_asn,
                    peer_ip,
                    prefix,
                    path: vec![path(index, peer_index as u32, peer_asn)],
                    time: DUMP_TIME,
                });
            }
        }
        entries += batch.len() as u64;
        let bytes = synth::rib(&batch).map_err(|e| e.to_string())?;
        raw_bytes += bytes.len() as u64;
        if sender.send(bytes).is_err() {
            break;
        }
        first = last;
    }
    drop(sender);
    match compressor.join() {
        Ok(Ok(())) => Ok((entries, raw_bytes)),
        Ok(Err(error)) => Err(format!("writing {}: {error}", file.display())),
        Err(_) => Err("the compressing thread panicked".to_owned()),
    }
}

/// Sixteen IPv4 peers and four IPv6 ones, as on a RouteViews collector.
fn peers() -> Vec<(u32, IpAddr)> {
    (0..PEERS)
        .map(|i| {
            let ip = if i < 16 {
                IpAddr::V4(Ipv4Addr::new(192, 0, 2, i as u8 + 1))
            } else {
                IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i as u16 + 1))
            };
            (ASNS[i as usize], ip)
        })
        .collect()
}

fn prefix(index: u32) -> IpNet {
    if index < IPV4_PREFIXES {
        let address = Ipv4Addr::from(0xf000_0000u32 | (index << 8));
        IpNet::V4(Ipv4Net::new_assert(address, 24))
    } else {
        let n = index - IPV4_PREFIXES;
        let address = Ipv6Addr::new(
            0x2001,
            0xdb8,
            (n >> 8) as u16,
            ((n & 0xff) << 8) as u16,
            0,
            0,
            0,
            0,
        );
        IpNet::V6(Ipv6Net::new_assert(address, 56))
    }
}

/// A path of 2 to 8 ASNs (most 3 to 5, as in real tables) from the peer to the prefix's
/// origin, the origin prepended on one route in ten.
fn path(prefix: u32, peer: u32, peer_asn: u32) -> Segment {
    let mut state = mix(u64::from(prefix) << 32 | u64::from(peer));
    let mut next = || {
        state = mix(state);
        state
    };
    let length = [2, 3, 3, 4, 4, 4, 5, 5, 5, 6, 7, 8][(next() % 12) as usize];
    let origin = ASNS[(mix(u64::from(prefix)) % 32) as usize];
    let mut asns = Vec::with_capacity(length + 2);
    asns.push(peer_asn);
    while asns.len() < length - 1 {
        asns.push(ASNS[(next() % 32) as usize]);
    }
    asns.push(origin);
    if next() % 10 == 0 {
        asns.extend([origin, origin]);
    }
    Segment::Sequence(asns)
}

/// A fixed mixing function (splitmix64), so the data is the same on every run.
fn mix(value: u64) -> u64 {
    let mut z = value.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The wall time of the system's bzip2 inflating the file to nowhere, or `None` if there
/// is no bzip2 to run.
fn time_system_bzip2(file: &Path) -> Option<f64> {
    let started = Instant::now();
    let status = Command::new("bzip2")
        .arg("-dc")
        .arg(file)
        .stdout(Stdio::null())
        .status();
    match status {
        Ok(status) if status.success() => Some(started.elapsed().as_secs_f64()),
        Ok(status) => {
            println!("bzip2 -dc failed: {status}");
            None
        }
        Err(error) => {
            println!("bzip2 is missing ({error}): no floor to compare with");
            None
        }
    }
}

/// What the whole import measured: its wall time, its peak resident memory, and the
/// summary it printed.
struct ImportReport {
    seconds: f64,
    peak_kb: u64,
    summary: String,
}

/// Imports the file with the application's own command, `import-routing --kind mrt`, into
/// a new SQLite database beside it, after an RIR file that makes two of the dump's ASNs
/// domestic (so pairs are kept and aggregated as in a real import). The peak resident
/// memory is the command's `VmHWM`, sampled every 10 ms until it exits.
fn import_through_binary(file: &Path) -> Result<ImportReport, String> {
    let dir = file.parent().ok_or("the file has no folder")?;
    let database = format!("sqlite://{}", dir.join("bench.db").display());
    let rir = dir.join("delegated-bench");
    let mut text =
        String::from("2.3|apnic|20261201|32|19830613|20261201|+1000\napnic|*|asn|*|32|summary\n");
    for (i, asn) in ASNS.iter().enumerate() {
        let cc = if i < 2 { "LA" } else { "US" };
        text.push_str(&format!(
            "apnic|{cc}|asn|{asn}|1|20200101|allocated|H-{i}|e-stats\n"
        ));
    }
    fs::write(&rir, text).map_err(|e| format!("{}: {e}", rir.display()))?;
    let binary = env!("CARGO_BIN_EXE_interconnect-registry");
    let command = |kind: &str, path: &Path| {
        let mut command = Command::new(binary);
        command
            .args(["import-routing", "--json", "--kind", kind])
            .arg(path)
            .env("DATABASE_URL", &database)
            .env("MONITORING_ALLOW_DOCUMENTATION_ASNS", "true")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        command
    };
    let status = command("rir", &rir).status().map_err(|e| e.to_string())?;
    if !status.success() {
        return Err(format!("importing the RIR file failed: {status}"));
    }
    let started = Instant::now();
    let mut child = command("mrt", file).spawn().map_err(|e| e.to_string())?;
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0;
    while child.try_wait().map_err(|e| e.to_string())?.is_none() {
        if let Some(kb) = fs::read_to_string(&status_file)
            .ok()
            .and_then(|s| vm_hwm(&s))
        {
            peak_kb = peak_kb.max(kb);
        }
        thread::sleep(std::time::Duration::from_millis(10));
    }
    let output = child.wait_with_output().map_err(|e| e.to_string())?;
    let seconds = started.elapsed().as_secs_f64();
    let summary = String::from_utf8_lossy(&output.stdout).trim().to_owned();
    if !output.status.success() {
        return Err(format!("the import failed: {summary}"));
    }
    Ok(ImportReport {
        seconds,
        peak_kb,
        summary,
    })
}

/// What the child process measured.
struct ChildReport {
    seconds: f64,
    records: u64,
    announcements: u64,
    peak_kb: u64,
}

fn read_through_child(file: &Path) -> Result<ChildReport, String> {
    let exe: PathBuf = env::current_exe().map_err(|e| e.to_string())?;
    let output = Command::new(exe)
        .env(READ_ENV, file)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("the reading process failed: {text}"));
    }
    let fields: Vec<&str> = text.split_whitespace().collect();
    let number = |i: usize| fields.get(i).map(|s| s.to_string()).unwrap_or_default();
    Ok(ChildReport {
        seconds: number(0)
            .parse()
            .map_err(|_| format!("unexpected report: {text}"))?,
        records: number(1)
            .parse()
            .map_err(|_| format!("unexpected report: {text}"))?,
        announcements: number(2)
            .parse()
            .map_err(|_| format!("unexpected report: {text}"))?,
        peak_kb: number(3)
            .parse()
            .map_err(|_| format!("unexpected report: {text}"))?,
    })
}

/// The child's work: read the file, then print seconds, records, announcements and the
/// peak resident memory in kB, separated by spaces.
fn read_in_child(file: &Path) -> ExitCode {
    let started = Instant::now();
    let stream = match compression::open(file) {
        Ok(stream) => stream,
        Err(error) => {
            eprintln!("{}: {error}", file.display());
            return ExitCode::FAILURE;
        }
    };
    // Trivial work that the optimiser cannot drop: total the paths' lengths.
    let mut checksum = 0u64;
    let summary = match mrt::read(stream, |route| {
        checksum += route.path.len() as u64 + u64::from(route.prefix.prefix_len());
    }) {
        Ok(summary) => summary,
        Err(error) => {
            eprintln!("{error}");
            return ExitCode::FAILURE;
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    eprintln!("(checksum {checksum})");
    println!(
        "{seconds} {} {} {}",
        summary.records,
        summary.announcements,
        peak_resident_kb().unwrap_or(0)
    );
    ExitCode::SUCCESS
}

/// `VmHWM` from /proc/self/status: this process's peak resident memory, in kB.
fn peak_resident_kb() -> Option<u64> {
    vm_hwm(&fs::read_to_string("/proc/self/status").ok()?)
}

/// The `VmHWM` line of a /proc status file (a process's peak resident memory), in kB.
fn vm_hwm(status: &str) -> Option<u64> {
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
