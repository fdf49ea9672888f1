//! `embed_migrations!` reads the migration folders while compiling; cargo watches the
//! files it has already read, but not a folder added beside them. This makes a new
//! migration rebuild the binary.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
