//! Whether two versions of a program read each other's files, judged from
//! their schemas before either ships: the same resolution opening a file
//! does, run in both directions.

use core::fmt;

use crate::access::mapped::Mapped;
use crate::dynamic::decode::DynLayout;
use crate::dynamic::decode::decode_schema;
use crate::dynamic::resolve::{Program, resolve_against, root_mismatch};
use crate::format::error::Result;
use crate::format::layout::Layout;

/// Whether programs of one version read files of another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every file of the other version.
    Reads,
    /// Every file of the other version for which these hold, by field path:
    /// the files must not hold a variant the reader lacks, and where the
    /// reader is known by a schema without notes, a field the files lack
    /// must have a default in its code (such a schema cannot say).
    ReadsIf(Vec<String>),
    /// No file of the other version: why, by field path.
    Refuses(Vec<String>),
}

impl Verdict {
    /// Whether the reader reads at least some files of the other version
    /// (see [`Verdict::ReadsIf`]).
    pub fn reads(&self) -> bool {
        !matches!(self, Verdict::Refuses(_))
    }
}

/// How an older and a newer version of a program's root type get along:
/// what differs, and per direction whether one reads the other's files.
/// Made by [`compatibility`] from two schemas, or by [`compatibility_with`]
/// from a saved schema and the program's type; its `Display` is a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compatibility {
    /// What differs, by field path, as [`differences`](crate::schema::differences)
    /// lists it (`"old"` and `"new"` name the sides).
    pub differences: Vec<String>,
    /// Whether the newer program reads the older one's files (backward
    /// compatibility).
    pub new_reads_old: Verdict,
    /// Whether the older program reads the newer one's files (forward
    /// compatibility).
    pub old_reads_new: Verdict,
}

impl Compatibility {
    /// Whether each version reads the other's files (maybe with conditions,
    /// see [`Verdict::ReadsIf`]).
    pub fn both_ways(&self) -> bool {
        self.new_reads_old.reads() && self.old_reads_new.reads()
    }
}

/// The report `mmf compat` prints:
///
/// ```text
/// old files in the new program: yes
/// new files in the old program: no
///   - hikes[_].year: the file stores `u32`, this program reads `u16` (…)
/// differences:
///   - hikes[_].year: u16 in old, u32 in new
/// ```
impl fmt::Display for Compatibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let directions = [
            ("old files in the new program", &self.new_reads_old),
            ("new files in the old program", &self.old_reads_new),
        ];
        for (what, verdict) in directions {
            let (answer, why) = match verdict {
                Verdict::Reads => ("yes", &[][..]),
                Verdict::ReadsIf(conditions) => ("yes, if", &conditions[..]),
                Verdict::Refuses(reasons) => ("no", &reasons[..]),
            };
            writeln!(f, "{what}: {answer}")?;
            why.iter().try_for_each(|line| writeln!(f, "  - {line}"))?;
        }
        if self.differences.is_empty() {
            write!(f, "no differences")
        } else {
            write!(f, "differences:")?;
            self.differences.iter().try_for_each(|d| write!(f, "\n  - {d}"))
        }
    }
}

/// How the program that wrote schema `old` and the one that wrote schema
/// `new` get along: each schema as `mmf schema --binary FILE` saves it (or
/// [`encode`](crate::schema::encode) makes it). Both programs are known by
/// their schemas, whose notes hold their defaults and earlier names: the
/// verdicts are those of opening the files. (A schema without notes, as
/// version 2 wrote them, leaves defaults as conditions, and a rename is a
/// removal and an addition.)
///
/// # Errors
///
/// [`Error::SchemaUnreadable`](crate::Error::SchemaUnreadable) if either
/// schema cannot be read.
///
/// # Example
///
/// ```
/// use mmf_runtime::schema::{self, Verdict};
/// use mmf_runtime::Mapped;
///
/// let old = schema::encode(<Vec<u32> as Mapped>::LAYOUT);
/// let new = schema::encode(<Vec<u64> as Mapped>::LAYOUT);
/// let c = schema::compatibility(&old, &new)?;
/// assert!(matches!(c.new_reads_old, Verdict::Refuses(_)), "lists cannot widen");
/// assert_eq!(c.differences, ["[_]: u32 in old, u64 in new"]);
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn compatibility(old: &[u8], new: &[u8]) -> Result<Compatibility> {
    let (old_layout, old_names) = decode_schema(old)?;
    let (new_layout, new_names) = decode_schema(new)?;
    Ok(judge((old, &old_layout, &old_names), (new, &new_layout, &new_names), None))
}

/// How this program's type `T` (the new version) and the program that
/// wrote schema `old` (saved with `mmf schema --binary FILE`) get along.
/// `T`'s earlier field names and defaults count: the verdict for the new
/// program is exactly what opening an old file does.
///
/// # Errors
///
/// [`Error::SchemaUnreadable`](crate::Error::SchemaUnreadable) if `old`
/// cannot be read.
///
/// # Example
///
/// ```
/// use mmf_runtime::schema::{self, Verdict};
/// use mmf_runtime::Mapped;
///
/// // Saved from the first version: a list of `u16`.
/// let v1 = schema::encode(<Vec<u16> as Mapped>::LAYOUT);
/// let c = schema::compatibility_with::<Vec<u16>>(&v1)?;
/// assert_eq!((c.new_reads_old, c.old_reads_new), (Verdict::Reads, Verdict::Reads));
/// # Ok::<(), mmf_runtime::Error>(())
/// ```
pub fn compatibility_with<T: Mapped>(old: &[u8]) -> Result<Compatibility> {
    let (old_layout, old_names) = decode_schema(old)?;
    let new = crate::format::schema::encode(T::LAYOUT);
    let new_layout = DynLayout::from_layout(T::LAYOUT);
    let old = (old, &old_layout, &old_names[..]);
    Ok(judge(old, (&new, &new_layout, T::RENAMED_FROM), Some(T::LAYOUT)))
}

/// Panics, with the report of [`compatibility_with`], unless this
/// program's type `T` and the program that wrote schema `old` each read the
/// other's files: a test that catches a breaking change before it ships.
/// Conditions ([`Verdict::ReadsIf`]) do not fail it: they come with changes
/// the README's "Changing your types" allows, such as a new variant.
///
/// ```
/// # use mmf_runtime::{Mapped, schema};
/// # let saved = schema::encode(<Vec<String> as Mapped>::LAYOUT);
/// // In a test, with the schema saved by `mmf schema --binary hikes.mmf > schemas/hikes.v1.mmfs`:
/// // schema::assert_compatible::<Hikes>(include_bytes!("../schemas/hikes.v1.mmfs"));
/// schema::assert_compatible::<Vec<String>>(&saved);
/// ```
///
/// # Panics
///
/// If either program cannot read the other's files, or `old` is not a
/// readable schema.
#[track_caller]
pub fn assert_compatible<T: Mapped>(old: &[u8]) {
    match compatibility_with::<T>(old) {
        Ok(c) if c.both_ways() => {}
        Ok(c) => panic!("`{}` breaks compatibility with the saved schema:\n{c}", T::LAYOUT.name),
        Err(e) => panic!("the saved schema cannot be read: {e}"),
    }
}

/// The verdicts, from each side's schema, its layout and its root's earlier
/// names; `rust` is the newer program's Rust layout, if known.
fn judge(
    (old, old_layout, old_names): (&[u8], &DynLayout, &[&str]),
    (new, new_layout, new_names): (&[u8], &DynLayout, &[&str]),
    rust: Option<&'static Layout>,
) -> Compatibility {
    let verdict = |(file, file_names): (&DynLayout, &[&str]),
                   program: Program<'_>,
                   program_names: &[&str]| {
        let names = ((&file.name[..], file_names), (&program.layout.name[..], program_names));
        if let Some(problem) = root_mismatch(names.0, names.1) {
            return Verdict::Refuses(vec![problem]);
        }
        match resolve_against(file, program) {
            Err(reasons) => Verdict::Refuses(reasons),
            Ok(resolved) if resolved.conditions.is_empty() => Verdict::Reads,
            Ok(resolved) => Verdict::ReadsIf(resolved.conditions),
        }
    };
    Compatibility {
        differences: crate::format::diff::compare(old, new, ["old", "new"], usize::MAX).0,
        new_reads_old: verdict(
            (old_layout, old_names),
            Program { layout: new_layout, rust },
            new_names,
        ),
        old_reads_new: verdict(
            (new_layout, new_names),
            Program { layout: old_layout, rust: None },
            old_names,
        ),
    }
}
