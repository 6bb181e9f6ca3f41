//! CSV input and output of data sets: reading, checks (errors and warnings), round trips.

mod common;

use common::{data_fixtures, organisation, tie};
use proptest::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;
use tempfile::TempDir;
use wecare::data::csv::{CsvPaths, TieReadOptions, read_dataset, read_ties, write_dataset};
use wecare::data::{DataError, Dataset, Kind, Project, Warning};

const ORGS: &str = "\
id,kind,territory,capacity,active
eg1,ente_gestore,north,2,true
coop1,third_sector,north,,
assoc1,third_sector,north,1.5,1
firm1,firm,north,1,false
eg2,ente_gestore,south,,
mun2,public,south,,
coop2,third_sector,south,0.5,0
";
const TIES: &str = "\
from,to,trust
eg1,coop1,0.8
assoc1,eg1,
eg2,mun2,0.6
";
const HISTORY: &str = "\
from,to,trust
coop1,assoc1,0.3
mun2,coop2,
";
const PROJECTS: &str = "\
id,territory,lead,budget,partners
P1,north,eg1,250000,coop1;assoc1
P2,south,eg2,180000.5,mun2
";

/// A directory with the four files of the small data set, with some replaced.
fn dir_with(replace: &[(&str, &str)]) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, base) in [
        ("organisations.csv", ORGS),
        ("ties.csv", TIES),
        ("history.csv", HISTORY),
        ("projects.csv", PROJECTS),
    ] {
        let text = replace
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(base, |(_, t)| t);
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn read_with(replace: &[(&str, &str)]) -> Result<(Dataset, Vec<Warning>), DataError> {
    let dir = dir_with(replace);
    read_dataset(&CsvPaths::in_dir(dir.path()))
}

/// Asserts that reading fails in `file` at `line`, field `field`, with `words` in the message.
#[track_caller]
fn assert_error(replace: &[(&str, &str)], file: &str, line: usize, field: &str, words: &str) {
    let err = read_with(replace).expect_err("the data set should be rejected");
    let shown = err.to_string();
    assert!(err.file.ends_with(file), "file: {shown}");
    assert_eq!(err.line, Some(line), "line: {shown}");
    assert_eq!(err.field.as_deref(), Some(field), "field: {shown}");
    assert!(
        shown.contains(&format!("{file}:{line}: field `{field}`")),
        "display: {shown}"
    );
    assert!(shown.contains(words), "message: {shown}");
}

fn small() -> Dataset {
    use Kind::*;
    Dataset {
        organisations: vec![
            organisation("eg1", EnteGestore, "north", 2.0, true),
            organisation("coop1", ThirdSector, "north", 1.0, true),
            organisation("assoc1", ThirdSector, "north", 1.5, true),
            organisation("firm1", Firm, "north", 1.0, false),
            organisation("eg2", EnteGestore, "south", 1.0, true),
            organisation("mun2", Public, "south", 1.0, true),
            organisation("coop2", ThirdSector, "south", 0.5, false),
        ],
        ties: vec![tie(0, 1, Some(0.8)), tie(0, 2, None), tie(4, 5, Some(0.6))],
        history: vec![tie(1, 2, Some(0.3)), tie(5, 6, None)],
        projects: vec![
            Project {
                id: "P1".into(),
                territory: "north".into(),
                lead: 0,
                budget: 250000.0,
                partners: vec![1, 2],
            },
            Project {
                id: "P2".into(),
                territory: "south".into(),
                lead: 4,
                budget: 180000.5,
                partners: vec![5],
            },
        ],
    }
}

// ---------------------------------------------------------------------------------------------
// Reading valid input

#[test]
fn reads_the_small_fixture() {
    let (ds, warnings) = read_dataset(&CsvPaths::in_dir(&data_fixtures().join("small"))).unwrap();
    assert_eq!(ds, small());
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn optional_files_and_columns_may_be_left_out() {
    let dir = dir_with(&[(
        "organisations.csv",
        "territory,id,kind\nnorth,a,public\nnorth,b,firm\n",
    )]);
    let paths = CsvPaths {
        organisations: dir.path().join("organisations.csv"),
        ..CsvPaths::default()
    };
    let (ds, warnings) = read_dataset(&paths).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(
        ds.organisations,
        vec![
            organisation("a", Kind::Public, "north", 1.0, true),
            organisation("b", Kind::Firm, "north", 1.0, true),
        ]
    );
    assert!(ds.ties.is_empty() && ds.history.is_empty() && ds.projects.is_empty());
}

#[test]
fn columns_in_any_order_trimmed_case_insensitive_with_bom_and_crlf() {
    let orgs = "\u{feff} Active , Territory,ID ,kind ,capacity\r\n\
                true, north , eg1,ente_gestore, 2 \r\n\
                ,north,coop1, third_sector,\r\n\
                1,north,assoc1,third_sector,1.5\r\n\
                FALSE,north,firm1,firm,1\r\n\
                \r\n\
                ,south,eg2,ente_gestore,\r\n\
                ,south,mun2,public,\r\n\
                0,south,coop2,third_sector,0.5\r\n";
    let ties = "trust , to,from\n0.8,coop1,eg1\n,eg1,assoc1\n 0.6 ,mun2,eg2\n";
    let projects = "partners,budget,lead,territory,id\n\
                    \" coop1 ; assoc1; \",250000,eg1,north,P1\n\
                    mun2,180000.5,eg2,south,P2\n";
    let (ds, warnings) = read_with(&[
        ("organisations.csv", orgs),
        ("ties.csv", ties),
        ("projects.csv", projects),
    ])
    .unwrap();
    assert_eq!(ds, small());
    assert!(warnings.is_empty(), "{warnings:?}");
}

#[test]
fn quoted_cells_may_hold_commas_quotes_and_line_breaks() {
    let orgs = "id,kind,territory\n\
                \"Coop \"\"Il Ponte\"\", Bra\",third_sector,\"Bra,\nRoero\"\n\
                b,public,x\n\
                b,firm,x\n";
    // The duplicate id comes after a record spanning two lines: line 5 as an editor shows.
    let err = read_with(&[("organisations.csv", orgs)]).unwrap_err();
    assert_eq!(err.line, Some(5), "{err}");
    let orgs = "id,kind,territory\n\"Coop \"\"Il Ponte\"\", Bra\",third_sector,\"Bra,\nRoero\"\n";
    let (ds, _) = read_with(&[
        ("organisations.csv", orgs),
        ("ties.csv", "from,to\n"),
        ("history.csv", "from,to\n"),
        ("projects.csv", "id,territory,lead,budget,partners\n"),
    ])
    .unwrap();
    assert_eq!(ds.organisations[0].id, "Coop \"Il Ponte\", Bra");
    assert_eq!(ds.organisations[0].territory, "Bra,\nRoero");
}

#[test]
fn weights_are_normalised_by_the_largest_weight() {
    let ties = "from,to,weight\neg1,coop1,4\nassoc1,eg1,\neg2,mun2,2.5\n";
    let (ds, _) = read_with(&[("ties.csv", ties)]).unwrap();
    let trusts: Vec<_> = ds.ties.iter().map(|t| t.trust).collect();
    assert_eq!(trusts, vec![Some(1.0), None, Some(0.625)]);

    let ties = "from,to,weight\neg1,coop1,0\nassoc1,eg1,0\neg2,mun2,0\n";
    let (ds, _) = read_with(&[("ties.csv", ties)]).unwrap();
    assert!(ds.ties.iter().all(|t| t.trust == Some(0.0)));
}

// ---------------------------------------------------------------------------------------------
// Errors

#[test]
fn missing_files_are_errors() {
    let dir = dir_with(&[]);
    let mut paths = CsvPaths::in_dir(dir.path());
    paths.organisations = dir.path().join("orgs.csv");
    let err = read_dataset(&paths).unwrap_err();
    assert!(err.to_string().contains("orgs.csv"), "{err}");
    assert!(err.to_string().contains("cannot open"), "{err}");

    let mut paths = CsvPaths::in_dir(dir.path());
    paths.history = Some(dir.path().join("past.csv"));
    let err = read_dataset(&paths).unwrap_err();
    assert!(err.to_string().contains("past.csv: cannot open"), "{err}");
}

#[test]
fn missing_or_repeated_columns_are_errors() {
    assert_error(
        &[("organisations.csv", "id,territory\na,north\n")],
        "organisations.csv",
        1,
        "kind",
        "missing required column `kind`",
    );
    assert_error(
        &[("ties.csv", "from,trust\neg1,0.5\n")],
        "ties.csv",
        1,
        "to",
        "missing required column",
    );
    assert_error(
        &[(
            "projects.csv",
            "id,territory,lead,budget\nP1,north,eg1,1000\n",
        )],
        "projects.csv",
        1,
        "partners",
        "missing required column",
    );
    assert_error(
        &[(
            "organisations.csv",
            "id,kind,territory,ID\na,public,north,b\n",
        )],
        "organisations.csv",
        1,
        "id",
        "appears twice",
    );
    assert_error(
        &[("ties.csv", "from,to,trust,weight\neg1,coop1,0.5,3\n")],
        "ties.csv",
        1,
        "weight",
        "not both",
    );
}

#[test]
fn empty_file_and_ragged_rows_are_errors() {
    let err = read_with(&[("organisations.csv", "")]).unwrap_err();
    assert!(
        err.to_string()
            .contains("organisations.csv: the file is empty")
    );
    let err = read_with(&[("ties.csv", "from,to\neg1,coop1\neg1,assoc1,0.5\n")]).unwrap_err();
    assert_eq!(err.line, Some(3), "{err}");
    assert!(
        err.to_string().contains("ties.csv:3: the row has 3 cells"),
        "{err}"
    );
}

#[test]
fn organisation_errors() {
    let base = "id,kind,territory,capacity,active\na,public,north,,\n";
    let case = |row: &str| format!("{base}\n{row}\n");
    let cases: &[(&str, &str, &str)] = &[
        (
            "a,firm,north,,",
            "id",
            "duplicate organisation id `a` (first on line 2)",
        ),
        (" ,firm,north,,", "id", "empty organisation id"),
        (
            "b,charity,north,,",
            "kind",
            "unknown organisation kind `charity`",
        ),
        ("b,,north,,", "kind", "unknown organisation kind"),
        ("b,firm, ,,", "territory", "empty territory"),
        ("b,firm,north,abc,", "capacity", "malformed number `abc`"),
        (
            "b,firm,north,0,",
            "capacity",
            "capacity must be a finite number > 0",
        ),
        ("b,firm,north,-2,", "capacity", "> 0"),
        ("b,firm,north,inf,", "capacity", "> 0"),
        ("b,firm,north,NaN,", "capacity", "> 0"),
        (
            "b,firm,north,1,yes",
            "active",
            "expected true, false, 1 or 0, got `yes`",
        ),
    ];
    for (row, field, words) in cases {
        // Line 3 is blank: the bad row is on line 4.
        assert_error(
            &[("organisations.csv", &case(row))],
            "organisations.csv",
            4,
            field,
            words,
        );
    }
}

#[test]
fn tie_errors() {
    let case = |row: &str| format!("from,to,trust\neg1,coop1,0.8\n{row}\n");
    let cases: &[(&str, &str, &str)] = &[
        ("eg9,coop1,", "from", "unknown organisation id `eg9`"),
        ("eg1,coop9,", "to", "unknown organisation id `coop9`"),
        ("eg1,eg1,", "to", "self-loop"),
        (
            "eg1,coop1,",
            "to",
            "duplicate tie between `eg1` and `coop1` (first on line 2)",
        ),
        (
            "coop1,eg1,",
            "to",
            "duplicate tie between `coop1` and `eg1` (first on line 2)",
        ),
        (
            "eg1,assoc1,1.5",
            "trust",
            "trust must be in [0, 1], got `1.5`",
        ),
        ("eg1,assoc1,-0.1", "trust", "in [0, 1]"),
        ("eg1,assoc1,NaN", "trust", "in [0, 1]"),
        ("eg1,assoc1,high", "trust", "malformed number `high`"),
    ];
    for (row, field, words) in cases {
        assert_error(&[("ties.csv", &case(row))], "ties.csv", 3, field, words);
        assert_error(
            &[("history.csv", &case(row)), ("ties.csv", "from,to\n")],
            "history.csv",
            3,
            field,
            words,
        );
    }
    let weighted = "from,to,weight\neg1,coop1,2\neg1,assoc1,-1\n";
    assert_error(&[("ties.csv", weighted)], "ties.csv", 3, "weight", ">= 0");
    let weighted = "from,to,weight\neg1,coop1,2\neg1,assoc1,inf\n";
    assert_error(&[("ties.csv", weighted)], "ties.csv", 3, "weight", ">= 0");
}

#[test]
fn a_tie_cannot_be_both_active_and_dormant() {
    let history = "from,to\ncoop1,assoc1\ncoop1,eg1\n";
    assert_error(
        &[("history.csv", history)],
        "history.csv",
        3,
        "to",
        "is also in the ties file (line 2)",
    );
}

#[test]
fn project_errors() {
    let case =
        |row: &str| format!("id,territory,lead,budget,partners\nP1,north,eg1,1000,coop1\n{row}\n");
    let cases: &[(&str, &str, &str)] = &[
        (
            "P1,south,eg2,1000,",
            "id",
            "duplicate project id `P1` (first on line 2)",
        ),
        (",south,eg2,1000,", "id", "empty project id"),
        ("P2,,eg2,1000,", "territory", "empty project territory"),
        (
            "P2,south,eg9,1000,",
            "lead",
            "unknown organisation id `eg9`",
        ),
        ("P2,south,,1000,", "lead", "unknown organisation id ``"),
        (
            "P2,south,eg2,1000,mun2;nobody",
            "partners",
            "unknown organisation id `nobody`",
        ),
        (
            "P2,south,eg2,0,",
            "budget",
            "budget must be a finite number > 0",
        ),
        ("P2,south,eg2,-5,", "budget", "> 0"),
        ("P2,south,eg2,inf,", "budget", "> 0"),
        ("P2,south,eg2,lots,", "budget", "malformed number `lots`"),
        ("P2,south,eg2,,", "budget", "malformed number ``"),
        (
            "P2,south,eg2,1000,mun2;eg2",
            "partners",
            "the lead `eg2` is also listed",
        ),
        (
            "P2,south,eg2,1000,mun2; mun2",
            "partners",
            "partner `mun2` is listed twice",
        ),
    ];
    for (row, field, words) in cases {
        assert_error(
            &[("projects.csv", &case(row))],
            "projects.csv",
            3,
            field,
            words,
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Warnings

fn messages(w: &[Warning]) -> Vec<String> {
    w.iter().map(ToString::to_string).collect()
}

#[test]
fn unknown_columns_are_warnings() {
    let orgs: String = ORGS
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == 0 {
                format!("{l},notes,\n")
            } else {
                format!("{l},whatever,\n")
            }
        })
        .collect();
    let (ds, warnings) = read_with(&[("organisations.csv", &orgs)]).unwrap();
    assert_eq!(ds, small());
    assert_eq!(
        messages(&warnings),
        vec![format!(
            "{}:1: warning: unknown columns ignored: `notes`, ``",
            warnings[0].file
        )]
    );
    assert!(warnings[0].file.ends_with("organisations.csv"));
}

#[test]
fn suspicious_but_usable_data_gives_warnings() {
    let orgs = format!("{ORGS}lonely,public,north,,\nhermit,firm,east,,false\n");
    let ties = format!("{TIES}firm1,eg1,0.5\n");
    let projects = "id,territory,lead,budget,partners\n\
                    P1,north,eg1,250000,coop1;assoc1;firm1;mun2\n";
    let (_, warnings) = read_with(&[
        ("organisations.csv", &orgs),
        ("ties.csv", &ties),
        ("projects.csv", projects),
    ])
    .unwrap();
    let got = messages(&warnings);
    let expect = [
        "ties.csv:5: warning: baseline tie touches inactive organisation `firm1`",
        "organisations.csv:9: info: 1 active organisation has no tie, neither baseline nor \
         history: `lonely`",
        "projects.csv:2: warning: project `P1` has inactive members, activated when the project \
         starts: `firm1`",
        "projects.csv:2: warning: project `P1` in territory `north` has members from other \
         territories: `mun2` (south)",
        "projects.csv: warning: territory `south` has no project",
        "projects.csv: warning: territory `east` has no project",
    ];
    assert_eq!(got.len(), expect.len(), "{got:#?}");
    for (g, e) in got.iter().zip(expect) {
        assert!(g.contains(e), "{g}\n  does not contain\n{e}");
    }
}

#[test]
fn isolated_organisations_are_one_remark_listing_the_first_ids() {
    let mut orgs = ORGS.to_string();
    for i in 0..30 {
        orgs.push_str(&format!("x{i},other,north,,\n"));
    }
    let (_, warnings) = read_with(&[("organisations.csv", &orgs)]).unwrap();
    // Isolates are common in observed data: one remark, as information, at the first one.
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let w = &warnings[0];
    assert_eq!(w.level, wecare::data::Level::Info);
    assert_eq!(w.line, Some(9));
    assert!(
        w.message.starts_with(
            "30 active organisations have no tie, neither baseline nor history: `x0`, `x1`"
        ),
        "{w:?}"
    );
    assert!(w.message.contains("`x19`, and 10 more"), "{w:?}");
    assert!(!w.message.contains("`x20`"), "{w:?}");
    assert!(w.to_string().contains(":9: info: "), "{w}");
}

// ---------------------------------------------------------------------------------------------
// Stand-alone tie files: the s50 waves

fn s50_index() -> Vec<String> {
    (1..=50).map(|i| i.to_string()).collect()
}

#[test]
fn s50_waves_symmetrise_to_the_documented_tie_counts() {
    let ids = s50_index();
    let index: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    for (wave, arcs, undirected) in [(1, 113, 74), (2, 116, 81), (3, 122, 77)] {
        let path = data_fixtures().join(format!("s50/wave{wave}.csv"));
        let (ties, warnings) =
            read_ties(&path, &index, TieReadOptions { symmetrise: true }).unwrap();
        assert!(warnings.is_empty());
        assert_eq!(ties.len(), undirected, "wave {wave}");
        assert!(ties.iter().all(|t| t.a < t.b && t.trust.is_none()));
        let pairs: BTreeSet<_> = ties.iter().map(|t| (t.a, t.b)).collect();
        assert_eq!(pairs.len(), undirected);
        // Reciprocated pairs are the arcs not giving a new tie.
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count() - 1, arcs);
    }
    let path = data_fixtures().join("s50/wave1.csv");
    let err = read_ties(&path, &index, TieReadOptions::default()).unwrap_err();
    assert!(err.to_string().contains("wave1.csv:"), "{err}");
    assert!(err.to_string().contains("duplicate tie"), "{err}");
}

#[test]
fn symmetrised_pairs_keep_the_larger_trust_and_first_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("w.csv");
    std::fs::write(
        &path,
        "from,to,trust\nb,a,0.2\nc,a,\na,b,0.7\na,c,0.4\nb,c,\n",
    )
    .unwrap();
    let ids = ["a", "b", "c"];
    let index: HashMap<&str, usize> = ids.iter().enumerate().map(|(i, s)| (*s, i)).collect();
    let (ties, _) = read_ties(&path, &index, TieReadOptions { symmetrise: true }).unwrap();
    assert_eq!(
        ties,
        vec![tie(0, 1, Some(0.7)), tie(0, 2, Some(0.4)), tie(1, 2, None),]
    );
    // The same orientation twice is still a duplicate.
    std::fs::write(&path, "from,to\na,b\nb,a\na,b\n").unwrap();
    let err = read_ties(&path, &index, TieReadOptions { symmetrise: true }).unwrap_err();
    assert_eq!(err.line, Some(4), "{err}");
    assert!(
        err.to_string()
            .contains("duplicate tie between `a` and `b` (first on line 2)")
    );
}

// ---------------------------------------------------------------------------------------------
// Writing

const SMALL_WRITTEN: [(&str, &str); 4] = [
    (
        "organisations.csv",
        "id,kind,territory,capacity,active\n\
         eg1,ente_gestore,north,2,true\n\
         coop1,third_sector,north,1,true\n\
         assoc1,third_sector,north,1.5,true\n\
         firm1,firm,north,1,false\n\
         eg2,ente_gestore,south,1,true\n\
         mun2,public,south,1,true\n\
         coop2,third_sector,south,0.5,false\n",
    ),
    (
        "ties.csv",
        "from,to,trust\neg1,coop1,0.8\neg1,assoc1,\neg2,mun2,0.6\n",
    ),
    (
        "history.csv",
        "from,to,trust\ncoop1,assoc1,0.3\nmun2,coop2,\n",
    ),
    (
        "projects.csv",
        "id,territory,lead,budget,partners\n\
         P1,north,eg1,250000,coop1;assoc1\n\
         P2,south,eg2,180000.5,mun2\n",
    ),
];

#[test]
fn writing_is_byte_for_byte_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    write_dataset(&small(), dir.path()).unwrap();
    for (name, text) in SMALL_WRITTEN {
        assert_eq!(
            std::fs::read_to_string(dir.path().join(name)).unwrap(),
            text,
            "{name}"
        );
    }
    let (back, warnings) = read_dataset(&CsvPaths::in_dir(dir.path())).unwrap();
    assert_eq!(back, small());
    assert!(warnings.is_empty());
}

#[test]
fn writing_quotes_odd_ids() {
    let mut ds = small();
    ds.organisations[1].id = "Coop \"Il Ponte\", Bra".into();
    ds.organisations[2].territory = "Alba, Langhe".into();
    let dir = tempfile::tempdir().unwrap();
    write_dataset(&ds, dir.path()).unwrap();
    let ties = std::fs::read_to_string(dir.path().join("ties.csv")).unwrap();
    assert_eq!(
        ties.lines().nth(1),
        Some("eg1,\"Coop \"\"Il Ponte\"\", Bra\",0.8")
    );
    let (back, _) = read_dataset(&CsvPaths::in_dir(dir.path())).unwrap();
    assert_eq!(back, ds);
}

#[test]
fn writing_refuses_what_would_not_read_back() {
    let dir = tempfile::tempdir().unwrap();
    let cases: Vec<(Dataset, &str)> = vec![
        {
            let mut ds = small();
            ds.organisations[0].id = " eg1".into();
            (ds, "white space")
        },
        {
            let mut ds = small();
            ds.organisations[0].territory = String::new();
            (ds, "is empty")
        },
        {
            let mut ds = small();
            ds.organisations[1].id = "a;b".into();
            (ds, "`;`")
        },
        {
            let mut ds = small();
            ds.ties[0].b = 99;
            (ds, "out of range")
        },
        {
            let mut ds = small();
            ds.projects[0].partners.push(42);
            (ds, "out of range")
        },
    ];
    for (ds, words) in cases {
        let err = write_dataset(&ds, dir.path()).unwrap_err();
        assert_eq!(err.kind(), std::io::ErrorKind::InvalidInput);
        assert!(err.to_string().contains(words), "{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Arbitrary data sets round-trip

/// Arbitrary data sets with projects, their ids and territories with odd characters:
/// CSV specials, spaces inside, line breaks, unicode.
fn arb_dataset() -> impl Strategy<Value = Dataset> {
    common::arb::dataset("a-zA-Z0-9 &\"',<>é日本\u{1F600}\t\n-", 4)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn arbitrary_data_sets_round_trip(ds in arb_dataset()) {
        let dir = tempfile::tempdir().unwrap();
        write_dataset(&ds, dir.path()).unwrap();
        let (back, _) = read_dataset(&CsvPaths::in_dir(dir.path())).unwrap();
        prop_assert_eq!(&back, &ds);
        // Writing what was read gives the same bytes.
        let dir2 = tempfile::tempdir().unwrap();
        write_dataset(&back, dir2.path()).unwrap();
        for name in ["organisations.csv", "ties.csv", "history.csv", "projects.csv"] {
            prop_assert_eq!(
                std::fs::read(dir.path().join(name)).unwrap(),
                std::fs::read(dir2.path().join(name)).unwrap()
            );
        }
    }
}

#[test]
fn line_numbers_are_as_an_editor_shows_them() {
    // Blank lines before the header and between rows, in each line-end convention.
    for nl in ["\n", "\r\n", "\r"] {
        let orgs = [
            "",
            "",
            "id,kind,territory",
            "a,public,north",
            "",
            "",
            "b,charity,north",
        ]
        .join(nl)
            + nl;
        let err = read_with(&[("organisations.csv", &orgs)]).unwrap_err();
        assert_eq!(err.line, Some(7), "{nl:?}: {err}");
        assert_eq!(err.field.as_deref(), Some("kind"));
        let orgs = ["", "id,kind", "a,public"].join(nl) + nl;
        let err = read_with(&[("organisations.csv", &orgs)]).unwrap_err();
        assert_eq!(err.line, Some(2), "{nl:?}: {err}");
        assert_eq!(err.field.as_deref(), Some("territory"));
    }
    let ties = "from,to\r\neg1,coop1\r\n\r\neg1,assoc1,0.5\r\n";
    let err = read_with(&[("ties.csv", ties)]).unwrap_err();
    assert_eq!(err.line, Some(4), "{err}");
    let mut bad = b"from,to\neg1,coop1\n\neg1,x\n".to_vec();
    let at = bad.iter().position(|&b| b == b'x').unwrap();
    bad[at] = 0xff;
    let dir = dir_with(&[]);
    std::fs::write(dir.path().join("ties.csv"), bad).unwrap();
    let err = read_dataset(&CsvPaths::in_dir(dir.path())).unwrap_err();
    assert_eq!(err.line, Some(4), "{err}");
    assert!(err.message.contains("UTF-8"), "{err}");
}

#[test]
fn the_examples_in_the_format_documentation_read() {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/data-formats.md"))
            .unwrap();
    let blocks: Vec<&str> = doc
        .split("```csv\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap())
        .collect();
    assert_eq!(blocks.len(), 3);
    let (ds, warnings) = read_with(&[
        ("organisations.csv", blocks[0]),
        ("ties.csv", blocks[1]),
        ("history.csv", "from,to\n"),
        ("projects.csv", blocks[2]),
    ])
    .unwrap();
    assert_eq!(ds.organisations.len(), 4);
    assert_eq!(ds.organisations[2].id, "Associazione \"Il Faro\"");
    assert_eq!(ds.ties.len(), 2);
    assert_eq!(ds.projects[0].partners, vec![1, 3, 2]);
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("inactive members"));
}
