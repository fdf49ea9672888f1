//! The readers of routing reference files an operator imports — RIR statistics (delegated,
//! delegated-extended, the NRO combined file), CAIDA's AS-to-organisation file (text and
//! JSON lines) and AS-relationship file, and PeeringDB dumps: any bytes must give records or
//! errors, never a panic, and every reader must end.

#![no_main]

use interconnect_registry::routing::rir::{self, RirRecord};
use interconnect_registry::routing::{caida, peeringdb};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for item in rir::records(data) {
        match item {
            Ok(RirRecord::Asn(range)) => {
                let _ = range.last();
            }
            Ok(_) => {}
            Err(error) => {
                let _ = error.to_string();
            }
        }
    }
    for item in caida::as2org(data) {
        if let Err(error) = item {
            let _ = error.to_string();
        }
    }
    for item in caida::relationships(data) {
        if let Err(error) = item {
            let _ = error.to_string();
        }
    }
    for item in peeringdb::records(data) {
        if let Err(error) = item {
            let _ = error.to_string();
        }
    }
});
