//! `mmf`: look into mmf files without their Rust types.
//!
//! ```text
//! mmf info FILE                          header, root type, sizes, generation
//! mmf schema FILE [--binary]             the embedded schema as Rust declarations, with offsets
//! mmf diff A B                           what differs between two files' (or saved) schemas
//! mmf compat OLD NEW                      whether each version reads the other's files
//! mmf upgrade FILE --to SCHEMA           rewrite FILE in the layout of another file's (or saved) schema
//! mmf verify FILE                        full validation; exit status 1 with the error if invalid
//! mmf dump FILE [PATH] [--json] [--limit N]
//! mmf codegen --lang c|csharp|python FILE
//! ```

mod dump;
mod info;

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use mmf_runtime::DynFile;
use mmf_runtime::schema::hash_of;

/// Inspect, verify and dump mmf files, and generate readers for them in
/// other languages — all from the schema each file carries.
#[derive(Parser)]
#[command(name = "mmf", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the header: format, root type, schema hash, sizes, generation.
    Info {
        /// The mmf file.
        file: PathBuf,
    },
    /// Show the embedded schema as Rust declarations, with every field's
    /// offset and size and where the padding is.
    Schema {
        /// The mmf file.
        file: PathBuf,
        /// Write the embedded schema's bytes as they are stored, to keep in a
        /// repository and compare later files with (`mmf diff`).
        #[arg(long)]
        binary: bool,
    },
    /// List what differs between two schemas, by field path: each of A and B
    /// is an mmf file or a schema saved with `mmf schema --binary`. Exits with
    /// status 0 if they are the same, 1 if they differ.
    Diff {
        /// The first file or schema.
        a: PathBuf,
        /// The second file or schema.
        b: PathBuf,
    },
    /// Say, per direction, whether the programs that wrote OLD and NEW read
    /// each other's files, and list what differs: each of OLD and NEW is an
    /// mmf file or a schema saved with `mmf schema --binary`. Exits with
    /// status 0 if each reads the other's files (maybe on conditions it
    /// lists), 1 if not.
    Compat {
        /// The older file or schema.
        old: PathBuf,
        /// The newer file or schema.
        new: PathBuf,
    },
    /// Rewrite FILE in the layout of SCHEMA (an mmf file of the program to
    /// upgrade to, or its schema saved with `mmf schema --binary`), as that
    /// program's `mmf::upgrade` would: fields FILE lacks take the defaults
    /// the schema holds, fields SCHEMA lacks are dropped. FILE is replaced
    /// atomically (a new file renamed over it), or left as it is if SCHEMA
    /// cannot hold its values (exit status 1, with the reasons by field path).
    Upgrade {
        /// The mmf file to rewrite.
        file: PathBuf,
        /// The file or saved schema whose layout to write.
        #[arg(long, value_name = "SCHEMA")]
        to: PathBuf,
    },
    /// Validate the whole file by its embedded schema. Exits with status 0 if
    /// it is valid, 1 with the error (field path and offset) if not.
    Verify {
        /// The mmf file.
        file: PathBuf,
    },
    /// Print the contents, or the part at PATH, as text or JSON. Long lists are
    /// written as they are read, never held in memory.
    Dump {
        /// The mmf file.
        file: PathBuf,
        /// Where to start: field names, `[index]`, `?` for an option's value,
        /// an enum's variant by name, a map's key (`["Rigi"]`, `[2024]`), e.g.
        /// `hikes[3].gps_track[0]`.
        path: Option<String>,
        /// Write JSON instead of text.
        #[arg(long)]
        json: bool,
        /// Write at most N elements of each list or array; the text says how
        /// many more there are, the JSON writes a cut list as
        /// `{"items": […], "omitted": COUNT}`.
        #[arg(long, value_name = "N")]
        limit: Option<u64>,
    },
    /// Generate reader code for the file's root type, from its embedded schema.
    Codegen {
        /// The language to generate.
        #[arg(long, value_enum)]
        lang: Lang,
        /// The mmf file.
        file: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Lang {
    /// A C header: structs with explicit padding, `_Static_assert`s, accessors.
    C,
    /// C# structs with explicit offsets and a `MemoryMappedFile` reader.
    Csharp,
    /// Python `ctypes` structures over `mmap`, and numpy dtypes.
    Python,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let mut out = BufWriter::new(io::stdout().lock());
    let result =
        run(cli.command, &mut out).and_then(|code| out.flush().map(|()| code).map_err(Into::into));
    match result {
        Ok(code) => code,
        // `mmf dump … | head` closes the pipe early: that is not an error.
        Err(Failure::Io(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            drop(out);
            eprintln!("mmf: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What can stop a command.
enum Failure {
    Mmf(mmf_runtime::Error),
    Io(io::Error),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Mmf(e) => e.fmt(f),
            Failure::Io(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl From<mmf_runtime::Error> for Failure {
    fn from(e: mmf_runtime::Error) -> Self {
        Failure::Mmf(e)
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure::Io(e)
    }
}

fn run(command: Command, out: &mut impl Write) -> Result<ExitCode, Failure> {
    match command {
        Command::Info { file } => info::info(&file, out)?,
        Command::Schema { file, binary: true } => out.write_all(&info::schema_of(&file)?)?,
        Command::Schema { file, binary: false } => {
            let file = DynFile::open(&file)?;
            info::schema(file.layout(), out)?;
        }
        Command::Diff { a, b } => {
            let (schema_a, schema_b) = (info::schema_of(&a)?, info::schema_of(&b)?);
            let (name_a, name_b) = (a.display().to_string(), b.display().to_string());
            let differences =
                mmf_runtime::schema::differences(&schema_a, &schema_b, &name_a, &name_b);
            for line in &differences {
                writeln!(out, "{line}")?;
            }
            let (hash_a, hash_b) = (hash_of(&schema_a), hash_of(&schema_b));
            if hash_a == hash_b {
                writeln!(out, "same schema ({hash_a:#018x})")?;
            } else {
                if differences.is_empty() {
                    // Different bytes, same layout: names of types only, say.
                    writeln!(
                        out,
                        "the schemas differ ({hash_a:#018x}, {hash_b:#018x}) but lay out the same"
                    )?;
                }
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Compat { old, new } => {
            let (old, new) = (info::schema_of(&old)?, info::schema_of(&new)?);
            let compatibility = mmf_runtime::schema::compatibility(&old, &new)?;
            writeln!(out, "{compatibility}")?;
            if !compatibility.both_ways() {
                return Ok(ExitCode::FAILURE);
            }
        }
        Command::Upgrade { file, to } => {
            let schema = info::schema_of(&to)?;
            let what = if mmf_runtime::upgrade_to_schema(&file, &schema)? {
                "rewritten in the layout of"
            } else {
                "already has the layout of"
            };
            writeln!(
                out,
                "{}: {what} {} ({:#018x})",
                file.display(),
                to.display(),
                hash_of(&schema)
            )?;
        }
        Command::Verify { file: path } => {
            let file = DynFile::open(&path)?;
            writeln!(
                out,
                "{}: valid {} ({} bytes in use)",
                path.display(),
                file.layout(),
                file.header().data_len
            )?;
        }
        Command::Dump { file, path, json, limit } => {
            let file = DynFile::open(&file)?;
            let root = file.root();
            let value = match &path {
                Some(path) => root.path(path)?,
                None => root,
            };
            let limit = limit.unwrap_or(u64::MAX);
            if json {
                dump::json(value, limit, out)?;
            } else {
                dump::text(value, limit, out)?;
            }
            writeln!(out)?;
        }
        Command::Codegen { lang, file } => {
            let file = DynFile::open(&file)?;
            let (layout, hash) = (file.layout(), file.header().schema_hash);
            let code = match lang {
                Lang::C => mmf_codegen::c_header_from(layout, hash),
                Lang::Csharp => mmf_codegen::csharp_from(layout, hash),
                Lang::Python => mmf_codegen::python_from(layout, hash),
            };
            out.write_all(code.as_bytes())?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
