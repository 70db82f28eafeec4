//! The `trainer` binary on hostile and broken input: every refusal is an error that names the
//! option or the line and says what is allowed, never a panic and never a silent exit 0.

use serde_json::{Value, json};
use std::path::Path;
use std::process::{Command, Stdio};

/// What one run of the binary did.
struct Run {
    success: bool,
    stdout: String,
    stderr: String,
}

fn trainer(args: &[&str]) -> Run {
    trainer_printing_to(args, Stdio::piped())
}

/// [`trainer`] with its standard output sent to `stdout` (a closed pipe, `/dev/full`).
fn trainer_printing_to(args: &[&str], stdout: Stdio) -> Run {
    let output = Command::new(env!("CARGO_BIN_EXE_trainer"))
        .args(args)
        .env_remove("MOVIELENS_DIR")
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .output()
        .expect("the trainer binary runs");
    let run = Run {
        success: output.status.success(),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked"),
        "trainer {args:?} panicked:\n{}",
        run.stderr
    );
    run
}

fn text(path: &Path) -> &str {
    path.to_str().expect("temporary paths are UTF-8")
}

/// The run fails, and stderr names `option` and says `range`.
fn assert_refused(args: &[&str], option: &str, range: &str) {
    let run = trainer(args);
    assert!(!run.success, "trainer {args:?} succeeded:\n{}", run.stderr);
    assert!(
        run.stderr.contains(option) && run.stderr.contains(range),
        "trainer {args:?}: stderr should name {option} and say {range:?}:\n{}",
        run.stderr
    );
}

#[test]
fn numeric_options_are_checked_when_parsed() {
    let at_least_1 = "must be a whole number, at least 1";
    let positive = "must be a finite number greater than 0";
    let probability = "must be a number at least 0 and below 1";
    assert_refused(&["train", "--batch-size", "0"], "--batch-size", at_least_1);
    assert_refused(&["train", "--batch-size", "-1"], "--batch-size", at_least_1);
    for model in ["foldin", "puresvd", "content", "hybrid", "svd"] {
        assert_refused(
            &["train", "--model", model, "--factors", "0"],
            "--factors",
            at_least_1,
        );
    }
    assert_refused(&["train", "--dropout", "1.5"], "--dropout", probability);
    assert_refused(&["train", "--dropout", "-0.5"], "--dropout", probability);
    assert_refused(&["train", "--dropout", "1"], "--dropout", probability);
    assert_refused(
        &["train", "--random-init", "--hidden", "0"],
        "--hidden",
        at_least_1,
    );
    assert_refused(
        &["train", "--random-init", "--hidden", "64,0"],
        "--hidden",
        at_least_1,
    );
    assert_refused(&["train", "--lr", "-1"], "--lr", positive);
    assert_refused(&["train", "--lr", "0"], "--lr", positive);
    assert_refused(
        &["train", "--model", "svd", "--lr", "NaN"],
        "--lr",
        positive,
    );
    assert_refused(&["train", "--lr=inf"], "--lr", positive);
    assert_refused(
        &["train", "--l2", "-5"],
        "--l2",
        "must be a finite number, 0 or more",
    );
    assert_refused(
        &["train", "--l2", "NaN"],
        "--l2",
        "must be a finite number, 0 or more",
    );
    assert_refused(
        &["train", "--model", "mf", "--time-decay-days", "-5"],
        "--time-decay-days",
        positive,
    );
    assert_refused(&["train", "--patience", "0"], "--patience", at_least_1);
    assert_refused(
        &["train", "--model", "knn-user", "--k", "0"],
        "--k",
        at_least_1,
    );
    assert_refused(
        &["train", "--heldout-users", "0"],
        "--heldout-users",
        at_least_1,
    );
    assert_refused(
        &["train", "--min-item-users", "0"],
        "--min-item-users",
        at_least_1,
    );
    assert_refused(
        &["train", "--epochs", "-1"],
        "--epochs",
        "must be a whole number, 0 or more",
    );
    assert_refused(
        &["eval", "--model", "model.bin", "--heldout-users", "0"],
        "--heldout-users",
        at_least_1,
    );
    assert_refused(
        &[
            "recommend",
            "--model",
            "model.bin",
            "--liked",
            "1",
            "--top",
            "0",
        ],
        "--top",
        at_least_1,
    );
}

#[test]
fn clap_names_the_option_and_the_range_in_one_sentence() {
    let run = trainer(&["train", "--batch-size", "0"]);
    assert!(
        run.stderr.contains(
            "invalid value '0' for '--batch-size <BATCH_SIZE>': must be a whole number, at least 1"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn zero_epochs_only_for_the_fold_in_start() {
    // Refused before any data is read: no --data-dir is needed to see it.
    for args in [
        &["train", "--model", "mf", "--epochs", "0"][..],
        &["train", "--model", "svd", "--epochs", "0"][..],
        &[
            "train",
            "--model",
            "foldin",
            "--random-init",
            "--epochs",
            "0",
        ][..],
    ] {
        assert_refused(args, "--epochs 0", "at least 1");
    }
}

#[test]
fn options_a_model_would_ignore_are_refused() {
    for model in ["mf", "deep", "svd"] {
        assert_refused(
            &["train", "--model", model, "--dropout", "0.3"],
            "--dropout",
            "applies to ease and foldin",
        );
    }
    for (args, option, models) in [
        (
            &["train", "--model", "mf", "--k", "20"][..],
            "--k",
            "knn-user",
        ),
        (
            &["train", "--model", "mf", "--random-init"],
            "--random-init",
            "applies to foldin,",
        ),
        (
            &["train", "--model", "svd", "--checkpoint-dir", "c"],
            "--checkpoint-dir",
            "burn",
        ),
        (
            &["train", "--model", "svd", "--batch-size", "8"],
            "--batch-size",
            "mf, neumf, deep, autorec and foldin",
        ),
        (
            &["train", "--time-decay-days", "30"],
            "--time-decay-days",
            "mf, neumf and deep,",
        ),
        (
            &["train", "--model", "mf", "--heldout-users", "5"],
            "--heldout-users",
            "new-user",
        ),
        (
            &["train", "--model", "svd", "--out", "m.bin"],
            "--out",
            "new-user",
        ),
    ] {
        assert_refused(args, option, models);
    }
    assert_refused(
        &["train", "--model", "mf", "--split", "random:NaN"],
        "random:NaN",
        "above 0 and below 1",
    );
}

const GENRES: [&str; 19] = [
    "unknown",
    "Action",
    "Adventure",
    "Animation",
    "Children's",
    "Comedy",
    "Crime",
    "Documentary",
    "Drama",
    "Fantasy",
    "Film-Noir",
    "Horror",
    "Musical",
    "Mystery",
    "Romance",
    "Sci-Fi",
    "Thriller",
    "War",
    "Western",
];

/// A tiny ml-100k folder under `dir`: 40 users who each like (4 or 5) half of 20 movies.
fn write_ml100k(dir: &Path) {
    let root = dir.join("ml-100k");
    std::fs::create_dir_all(&root).unwrap();
    let genre: String = GENRES
        .iter()
        .enumerate()
        .map(|(i, name)| format!("{name}|{i}\n"))
        .collect();
    let flags = |movie: u32| -> String {
        let genre = 1 + movie as usize % 18;
        (0..GENRES.len())
            .map(|g| if g == genre { "1" } else { "0" })
            .collect::<Vec<_>>()
            .join("|")
    };
    let item: String = (1..=20)
        .map(|m| format!("{m}|Movie {m} (1995)|01-Jan-1995||http://x|{}\n", flags(m)))
        .collect();
    let user: String = (1..=40)
        .map(|u| format!("{u}|30|M|other|00000\n"))
        .collect();
    let mut data = String::new();
    for u in 1..=40u32 {
        for m in 1..=20u32 {
            if (u + m) % 2 == 0 {
                let rating = 4 + (u * m) % 2;
                let timestamp = 880_000_000 + u * 100 + m;
                data += &format!("{u}\t{m}\t{rating}\t{timestamp}\n");
            }
        }
    }
    std::fs::write(root.join("u.genre"), genre).unwrap();
    std::fs::write(root.join("u.item"), item).unwrap();
    std::fs::write(root.join("u.user"), user).unwrap();
    std::fs::write(root.join("u.data"), data).unwrap();
}

/// File names in `dir`, sorted.
fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn unwritable_out_fails_before_reading_data() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let blocker = tmp.path().join("blocker");
    std::fs::write(&blocker, "a file, not a folder").unwrap();
    let out = blocker.join("model.bin");
    for model in ["foldin", "popularity"] {
        let run = train_new_user_model(model, tmp.path(), &out, &[]);
        assert!(!run.success, "{model}: {}", run.stderr);
        assert!(
            run.stderr.contains("--out") && run.stderr.contains(text(&out)),
            "{model}: the error should name --out and its path:\n{}",
            run.stderr
        );
        // Nothing was loaded or trained: the held-out split's summary and the report are absent.
        assert!(
            !run.stderr.contains("training users"),
            "{model}:\n{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{model}:\n{}", run.stdout);
    }
}

/// `train --model MODEL` for new users (5 held out) on `data`, exporting to `out`, then the
/// `extra` arguments. `popularity` is a second's work.
fn train_new_user_model(model: &str, data: &Path, out: &Path, extra: &[&str]) -> Run {
    let mut args = vec![
        "train",
        "--model",
        model,
        "--data-dir",
        text(data),
        "--heldout-users",
        "5",
        "--out",
        text(out),
    ];
    args.extend_from_slice(extra);
    trainer(&args)
}

#[test]
fn out_is_replaced_only_by_a_complete_file() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let models = tmp.path().join("models");
    let target = models.join("model.bin");

    // The folder is created; the new file is whole, and nothing else is left beside it.
    let run = train_new_user_model("popularity", tmp.path(), &target, &[]);
    assert!(run.success, "{}", run.stderr);
    let bytes = std::fs::read(&target).unwrap();
    shared::Recommender::from_bytes(&bytes).expect("a complete model file");
    assert_eq!(names_in(&models), ["model.bin", "model.tail.bin"]);

    // A run that fails after --out was claimed leaves the previous file and no temporary file.
    let previous = shared::fixtures::tiny_file().to_bytes();
    std::fs::write(&target, &previous).unwrap();
    let run = train_new_user_model(
        "popularity",
        tmp.path(),
        &target,
        &["--min-item-users", "1000"],
    );
    assert!(!run.success, "{}", run.stderr);
    assert_eq!(std::fs::read(&target).unwrap(), previous);
    assert_eq!(names_in(&models), ["model.bin", "model.tail.bin"]);

    // `--out X.partial` is no longer its own temporary file.
    let partial = models.join("model.partial");
    let run = train_new_user_model("popularity", tmp.path(), &partial, &[]);
    assert!(run.success, "{}", run.stderr);
    shared::Recommender::from_bytes(&std::fs::read(&partial).unwrap()).unwrap();
    assert_eq!(
        names_in(&models),
        [
            "model.bin",
            "model.partial",
            "model.partial.tail.bin",
            "model.tail.bin"
        ]
    );

    // A temporary file left by a killed run is removed by the next run for that target.
    std::fs::write(models.join(".model.bin.Ab12Cd.partial"), b"half").unwrap();
    let run = train_new_user_model("popularity", tmp.path(), &target, &[]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stderr.contains("left by an interrupted run"),
        "{}",
        run.stderr
    );
    assert_eq!(names_in(&models).len(), 4);
}

/// The movies a model does not carry come in the tail file beside it: `recommend` attaches it
/// as the page does, and refuses one exported with another model by name.
#[test]
fn the_tail_beside_a_model_is_attached_and_must_be_its_own() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let (first, second) = (
        tmp.path().join("a/model.bin"),
        tmp.path().join("b/model.bin"),
    );
    for (out, carried) in [(&first, "10"), (&second, "12")] {
        let run = train_new_user_model("popularity", tmp.path(), out, &["--max-movies", carried]);
        assert!(run.success, "{}", run.stderr);
    }
    let carried = shared::Recommender::from_bytes(&std::fs::read(&first).unwrap()).unwrap();
    let tail_movie = (1..=20)
        .find(|&id| carried.catalog.index_of(id).is_none())
        .expect("ten of the twenty movies are in the tail");
    let liked = tail_movie.to_string();
    let recommend = [
        "recommend",
        "--model",
        text(&first),
        "--liked",
        &liked,
        "--json",
    ];
    let run = trainer(&recommend);
    assert!(run.success, "{}", run.stderr);
    let answer: Value = serde_json::from_str(&run.stdout).unwrap();
    // Every other movie of the twenty, the tail's among them.
    assert_eq!(answer["recommendations"].as_array().map(Vec::len), Some(19));

    let tail = shared::tail::path_beside(&first);
    std::fs::copy(shared::tail::path_beside(&second), &tail).unwrap();
    let run = trainer(&recommend);
    assert!(!run.success);
    assert!(
        run.stderr.contains(text(&tail)) && run.stderr.contains("exported with another model"),
        "{}",
        run.stderr
    );
    std::fs::write(&tail, b"MOVIEREC not a tail").unwrap();
    let run = trainer(&recommend);
    assert!(!run.success);
    assert!(
        run.stderr.contains("not a catalogue tail file"),
        "{}",
        run.stderr
    );
}

/// A three-movie model file (ids 1, 2, 3), as in `shared`'s format tests.
/// The hand-checked three-movie model: Toy Story (id 1), Heat (2), Babe (3).
fn write_tiny_model(path: &Path) {
    std::fs::write(path, shared::fixtures::tiny_file().to_bytes()).unwrap();
}

const QUERIES: &str =
    "{\"liked\":[1,99]}\n\n{\"liked\":[98]}\n{\"liked\":[2,3]}\n{\"liked\":[99,97]}\n";

/// `recommend --queries` with the tiny model ([`write_tiny_model`]) and a queries file holding
/// `queries`, then the `extra` arguments.
fn recommend_queries(queries: &[u8], extra: &[&str]) -> Run {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.bin");
    write_tiny_model(&model);
    let queries_file = tmp.path().join("queries.jsonl");
    std::fs::write(&queries_file, queries).unwrap();
    let mut args = vec![
        "recommend",
        "--model",
        text(&model),
        "--queries",
        text(&queries_file),
    ];
    args.extend_from_slice(extra);
    trainer(&args)
}

#[test]
fn queries_skip_and_count_unknown_movies() {
    let run = recommend_queries(QUERIES.as_bytes(), &["--top", "2"]);
    assert!(run.success, "{}", run.stderr);
    let answers: Vec<Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), 4, "{}", run.stdout);

    assert_eq!(answers[0]["liked"], json!([1, 99]));
    assert_eq!(answers[0]["skipped"], json!([99]));
    let recommended = answers[0]["recommendations"].as_array().unwrap();
    assert_eq!(recommended.len(), 2);
    assert!(
        !recommended.contains(&json!(1)),
        "a pick is never recommended"
    );

    assert_eq!(answers[1]["recommendations"], json!([]));
    assert_eq!(answers[1]["skipped"], json!([98]));

    assert!(answers[2].get("skipped").is_none(), "{}", answers[2]);
    assert_eq!(answers[2]["recommendations"], json!([1]));

    assert_eq!(answers[3]["recommendations"], json!([]));
    assert_eq!(answers[3]["skipped"], json!([99, 97]));

    assert!(
        run.stderr.contains(
            "skipped 4 movie ids not in the model's catalogue (3 distinct: 99, 98, 97); \
             2 queries had no known liked movie and got no recommendations"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn strict_queries_fail_on_the_first_unknown_movie() {
    let run = recommend_queries(QUERIES.as_bytes(), &["--strict"]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("line 1: movie id 99 is not in the model's catalogue"),
        "{}",
        run.stderr
    );
}

#[test]
fn invalid_utf8_in_queries_names_its_line() {
    let run = recommend_queries(b"{\"liked\":[1]}\n{\"liked\":[\"\xff\"]}\n", &[]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("line 2: not valid UTF-8"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_byte_order_mark_before_the_first_query_is_not_bad_json() {
    let run = recommend_queries(b"\xEF\xBB\xBF{\"liked\":[1]}\n", &["--top", "1"]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stdout.contains("\"recommendations\":["),
        "{}",
        run.stdout
    );
}

#[test]
fn an_endless_query_line_is_refused_at_its_bound() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.bin");
    write_tiny_model(&model);
    let run = trainer(&[
        "recommend",
        "--model",
        text(&model),
        "--queries",
        "/dev/zero",
    ]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("/dev/zero line 1: longer than 1 MB, the most a query line may hold"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_model_file_is_judged_by_its_header_before_it_is_read() {
    let refused = |model: &str, says: &str| {
        let run = trainer(&["recommend", "--model", model, "--liked", "1"]);
        assert!(!run.success);
        assert!(run.stderr.contains(says), "{model}: {}", run.stderr);
    };
    refused("/dev/zero", "/dev/zero is not a regular file");
    // A 2 GiB file (sparse: nothing is written) whose header states its 2 GiB payload.
    let tmp = tempfile::tempdir().unwrap();
    let huge = tmp.path().join("huge.bin");
    let mut header =
        shared::fixtures::tiny_file().to_bytes()[..shared::format::HEADER_LEN].to_vec();
    header[12..20].copy_from_slice(&(1u64 << 31).to_le_bytes());
    std::fs::write(&huge, &header).unwrap();
    let file = std::fs::OpenOptions::new().write(true).open(&huge).unwrap();
    file.set_len((1 << 31) + header.len() as u64).unwrap();
    refused(text(&huge), "larger than the 268435456 this build reads");
}

#[test]
fn liked_skips_an_unknown_movie_and_says_so_unless_strict() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.bin");
    write_tiny_model(&model);
    let liked = |extra: &[&str]| {
        let mut args = vec!["recommend", "--model", text(&model), "--liked", "1,99"];
        args.extend_from_slice(extra);
        trainer(&args)
    };
    let run = liked(&["--strict"]);
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("--liked: movie id 99 is not in the catalogue"),
        "{}",
        run.stderr
    );
    let known_only = trainer(&["recommend", "--model", text(&model), "--liked", "1"]);
    assert!(known_only.success, "{}", known_only.stderr);
    let run = liked(&[]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stderr.contains("--liked: skipped movie id 99"),
        "{}",
        run.stderr
    );
    assert_eq!(run.stdout, known_only.stdout, "99 is skipped, 1 recommends");
    let json: Value = serde_json::from_str(&liked(&["--json"]).stdout).unwrap();
    assert_eq!(json["skipped"], json!([99]));
    assert!(!json["recommendations"].as_array().unwrap().is_empty());
    // Nothing known: an empty list, as a query with no known movie gets.
    let run = trainer(&[
        "recommend",
        "--model",
        text(&model),
        "--liked",
        "99",
        "--json",
    ]);
    assert!(run.success, "{}", run.stderr);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["recommendations"], json!([]));
    let run = trainer(&["recommend", "--model", text(&model), "--liked", "1,2"]);
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains("Babe (1995)"), "{}", run.stdout);
}

/// A file refit on every user cannot be measured again on its own held-out users; one trained
/// with --no-refit can.
#[test]
fn eval_refuses_every_user_the_model_trained_on_however_they_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let out = tmp.path().join("model.bin");
    let eval = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            "--model",
            text(&out),
            "--data-dir",
            text(tmp.path()),
        ];
        args.extend_from_slice(extra);
        trainer(&args)
    };
    let refused = |run: Run, says: &str| {
        assert!(!run.success, "measured:\n{}", run.stdout);
        assert!(run.stderr.contains(says), "{}", run.stderr);
    };
    let everyone = tmp.path().join("everyone.txt");
    std::fs::write(
        &everyone,
        (1..=40).map(|u| format!("{u}\n")).collect::<String>(),
    )
    .unwrap();
    let some = tmp.path().join("some.txt");
    std::fs::write(
        &some,
        (1..=12).map(|u| format!("{u}\n")).collect::<String>(),
    )
    .unwrap();

    // Refit on every user: its test users and any list of users were all trained on.
    let run = train_new_user_model("popularity", tmp.path(), &out, &[]);
    assert!(run.success, "{}", run.stderr);
    refused(eval(&["--heldout-users", "5"]), "was refit on every user");
    refused(eval(&["--users", text(&everyone)]), "users listed in");

    // Without the refit: its own test users are fine, more of them are not.
    let run = train_new_user_model("popularity", tmp.path(), &out, &["--no-refit"]);
    assert!(run.success, "{}", run.stderr);
    let measured = eval(&["--heldout-users", "5"]);
    assert!(measured.success, "{}", measured.stderr);
    assert!(measured.stdout.contains("NDCG@100"), "{}", measured.stdout);
    refused(
        eval(&["--heldout-users", "8"]),
        "drawn as test users with --heldout-users 8 --seed 42 trained",
    );

    // Users left out of training can test it, the others cannot.
    let run = train_new_user_model(
        "popularity",
        tmp.path(),
        &out,
        &["--exclude-users", text(&some)],
    );
    assert!(run.success, "{}", run.stderr);
    let measured = eval(&["--users", text(&some)]);
    assert!(measured.success, "{}", measured.stderr);
    refused(eval(&["--users", text(&everyone)]), "users listed in");
}

/// A pipe whose reading end is already closed, as `| head -0` leaves it.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    Stdio::from(writer)
}

#[test]
fn a_closed_or_full_stdout_never_costs_the_trained_model() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let train = |out: &Path, stdout: Stdio| {
        let args = [
            "train",
            "--model",
            "popularity",
            "--data-dir",
            text(tmp.path()),
            "--heldout-users",
            "5",
            "--out",
            text(out),
        ];
        trainer_printing_to(&args, stdout)
    };
    // `| head -0`: the output ends there, quietly; the model is saved first.
    let out = tmp.path().join("model.bin");
    let run = train(&out, closed_pipe());
    assert!(run.success, "{}", run.stderr);
    assert!(std::fs::metadata(&out).unwrap().len() > 0);
    // `> /dev/full`: an error that names standard output, the model saved all the same.
    let full = tmp.path().join("full.bin");
    let dev_full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let run = train(&full, Stdio::from(dev_full));
    assert!(!run.success);
    assert!(
        run.stderr.contains("writing to standard output"),
        "{}",
        run.stderr
    );
    assert!(std::fs::metadata(&full).unwrap().len() > 0);
    // Every other command stops at a closed pipe the same way.
    for command in [
        vec![
            "recommend",
            "--model",
            text(&out),
            "--liked",
            "1",
            "--top",
            "5",
        ],
        vec!["recommend", "--model", text(&out), "--liked", "1", "--json"],
        vec![
            "data",
            "--dataset",
            "ml-100k",
            "--data-dir",
            text(tmp.path()),
        ],
        vec!["models"],
    ] {
        let run = trainer_printing_to(&command, closed_pipe());
        assert!(run.success, "{command:?}: {}", run.stderr);
    }
}

#[test]
fn messages_name_the_cause_and_the_real_size() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let out = tmp.path().join("model.bin");
    // A tiny memory budget is said in KB, not "0.0 GB".
    let run = train_new_user_model("ease", tmp.path(), &out, &["--max-memory-gb", "0.000001"]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("1 KB are available") && !run.stderr.contains("0.0 GB"),
        "{}",
        run.stderr
    );
    // Too few users because of --max-movies: it is named.
    let run = train_new_user_model("popularity", tmp.path(), &out, &["--max-movies", "1"]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("--max-movies 1 keeps too few movies"),
        "{}",
        run.stderr
    );
    // Everyone excluded: the exclusion is named.
    let everyone = tmp.path().join("everyone.txt");
    let ids: String = (1..=40).map(|u| format!("{u}\n")).collect();
    std::fs::write(&everyone, ids).unwrap();
    let run = train_new_user_model(
        "popularity",
        tmp.path(),
        &out,
        &["--exclude-users", text(&everyone)],
    );
    assert!(!run.success);
    assert!(run.stderr.contains("--exclude-users"), "{}", run.stderr);
    // More held-out users than a third of the users: said, not silently clamped.
    let run = trainer(&[
        "train",
        "--model",
        "popularity",
        "--data-dir",
        text(tmp.path()),
        "--heldout-users",
        "100000",
        "--out",
        text(&out),
    ]);
    assert!(run.success, "{}", run.stderr);
    assert!(
        run.stderr.contains(
            "100000 held-out users asked for (--heldout-users) is more than a third of the 40 users"
        ),
        "{}",
        run.stderr
    );
    // synth into something that is not a folder.
    let run = trainer(&["synth", "--like", "ml-latest-small", "--out", "/dev/full"]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("--out /dev/full is not a folder"),
        "{}",
        run.stderr
    );
}

#[test]
fn control_characters_in_titles_never_reach_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.bin");
    let mut file = shared::fixtures::tiny_file();
    for movie in &mut file.catalog.movies {
        movie.title = format!("\u{1b}]0;owned\u{7}{}\u{1b}[2J", movie.title);
    }
    std::fs::write(&model, file.to_bytes()).unwrap();
    let run = trainer(&["recommend", "--model", text(&model), "--liked", "1"]);
    assert!(run.success, "{}", run.stderr);
    assert!(!run.stdout.is_empty());
    assert!(
        !run.stdout.chars().any(|c| c.is_control() && c != '\n'),
        "{:?}",
        run.stdout
    );
    assert!(
        run.stdout.contains("\u{fffd}]0;owned\u{fffd}"),
        "{}",
        run.stdout
    );
}

/// Holds the lock a running trainer holds on `lock`, as a second run would meet it.
fn held_lock(lock: &Path) -> std::fs::File {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(lock)
        .unwrap();
    file.lock().unwrap();
    file
}

#[test]
fn a_second_run_on_the_same_out_or_checkpoint_folder_is_refused_and_costs_the_first_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let out = tmp.path().join("model.bin");
    // A run is writing model.bin: its lock is held and its partial file is there.
    let running = held_lock(&tmp.path().join(".model.bin.lock"));
    let partial = tmp.path().join(".model.bin.AbC123.partial");
    std::fs::write(&partial, b"half a model").unwrap();
    let run = train_new_user_model("popularity", tmp.path(), &out, &[]);
    assert!(!run.success);
    assert!(
        run.stderr.contains(&format!(
            "--out {} is in use by another trainer run",
            text(&out)
        )),
        "{}",
        run.stderr
    );
    assert!(partial.exists(), "the live run's partial file was removed");
    // Once that run is gone, its leftover is removed and the file written.
    drop(running);
    let run = train_new_user_model("popularity", tmp.path(), &out, &[]);
    assert!(run.success, "{}", run.stderr);
    assert!(!partial.exists() && out.exists());

    // One checkpoint folder, two runs: the second is refused by name.
    let checkpoints = tmp.path().join("checkpoints");
    std::fs::create_dir(&checkpoints).unwrap();
    let running = held_lock(&checkpoints.join(".lock"));
    let run = trainer(&[
        "train",
        "--model",
        "mf",
        "--data-dir",
        text(tmp.path()),
        "--split",
        "random",
        "--epochs",
        "1",
        "--checkpoint-dir",
        text(&checkpoints),
    ]);
    drop(running);
    assert!(!run.success);
    assert!(
        run.stderr.contains(&format!(
            "--checkpoint-dir {} is in use by another trainer run",
            text(&checkpoints)
        )),
        "{}",
        run.stderr
    );
}

#[test]
fn out_replaces_only_a_model_file_unless_forced() {
    let tmp = tempfile::tempdir().unwrap();
    write_ml100k(tmp.path());
    let data = tmp.path().join("ml-100k/u.data");
    let before = std::fs::read(&data).unwrap();
    let run = train_new_user_model("popularity", tmp.path(), &data, &[]);
    assert!(!run.success);
    assert!(
        run.stderr.contains("exists and is not a model file") && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&data).unwrap(), before, "the data survived");
    let other = tmp.path().join("notes.txt");
    std::fs::write(&other, "mine").unwrap();
    let run = train_new_user_model("popularity", tmp.path(), &other, &["--force"]);
    assert!(run.success, "{}", run.stderr);
    assert!(std::fs::read(&other).unwrap().starts_with(b"MOVIEREC"));
}

#[test]
fn stars_are_given_predicted_and_imported_and_bad_ones_are_named() {
    let tmp = tempfile::tempdir().unwrap();
    let model = tmp.path().join("model.bin");
    write_tiny_model(&model);
    let model = text(&model);
    let json = |run: &Run| -> serde_json::Value {
        assert!(run.success, "{}", run.stderr);
        serde_json::from_str(&run.stdout).unwrap()
    };
    // Five stars for Toy Story (id 1) is a like of it; Heat (2) and Babe (3) predicted.
    let rated = trainer(&[
        "recommend",
        "--model",
        model,
        "--rated",
        "1:5",
        "--predict",
        "2,3,99",
        "--json",
    ]);
    let answer = json(&rated);
    let liked = json(&trainer(&[
        "recommend",
        "--model",
        model,
        "--liked",
        "1",
        "--json",
    ]));
    let ids = |answer: &serde_json::Value| -> Vec<serde_json::Value> {
        let list = answer["recommendations"].as_array().unwrap();
        list.iter().map(|r| r["id"].clone()).collect()
    };
    assert_eq!(ids(&answer), ids(&liked));
    let predicted: Vec<(u32, f64)> = serde_json::from_value(answer["predicted"].clone()).unwrap();
    assert_eq!(predicted.iter().map(|p| p.0).collect::<Vec<_>>(), [2, 3]);
    assert!(predicted.iter().all(|p| (0.5..=5.0).contains(&p.1)));
    assert_eq!(answer["skipped"], serde_json::json!([99]));
    // A query line answers the same.
    let queries = recommend_queries(b"{\"rated\": [[1, 5]], \"predict\": [2, 3]}\n", &[]);
    let line = json(&queries);
    assert_eq!(line["predicted"], answer["predicted"]);
    // An import reads as --rated.
    let export = tmp.path().join("ratings.csv");
    std::fs::write(&export, "movie_id,rating\n1,5\n42,3\n").unwrap();
    let imported = trainer(&[
        "recommend",
        "--model",
        model,
        "--import",
        text(&export),
        "--predict",
        "2,3",
        "--json",
    ]);
    assert_eq!(json(&imported)["predicted"], answer["predicted"]);
    assert!(
        imported
            .stderr
            .contains("1 of 2 rows matched; 1 not in this catalogue"),
        "{}",
        imported.stderr
    );
    // Bad stars and bad files are named.
    for (args, says) in [
        (
            vec!["--rated", "1:4.2"],
            "not 0.5 to 5 stars in half-star steps",
        ),
        (vec!["--rated", "1"], "is not id:stars"),
    ] {
        let run = trainer(&[&["recommend", "--model", model][..], &args].concat());
        assert!(
            !run.success && run.stderr.contains(says),
            "{args:?}: {}",
            run.stderr
        );
    }
    std::fs::write(&export, "movie_id,rating\n1,5\n2,lots\n").unwrap();
    let broken = trainer(&["recommend", "--model", model, "--import", text(&export)]);
    assert!(
        !broken.success && broken.stderr.contains("line 3: the rating \"lots\""),
        "{}",
        broken.stderr
    );
    let bad_line = recommend_queries(b"{\"rated\": [[1, 7]]}\n", &[]);
    assert!(
        !bad_line.success && bad_line.stderr.contains("line 1: movie 1 rated 7"),
        "{}",
        bad_line.stderr
    );
}
