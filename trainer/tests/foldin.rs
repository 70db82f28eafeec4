//! The fold-in model: the exported weights score like the burn model, and training learns.

mod common;

use burn::backend::NdArray;
use burn::prelude::*;
use shared::Recommender;
use trainer::backend::Cpu;
use trainer::export;
use trainer::models::foldin::FoldInConfig;
use trainer::models::foldin::PickRows;
use trainer::pipeline::{self, FoldInRun};
use trainer::training::{Checkpoints, TrainingConfig};

#[test]
fn exported_weights_score_like_the_burn_model() {
    let _rng = common::burn_rng();
    let device = Default::default();
    NdArray::<f32>::seed(&device, 7);
    let items = 40;
    let model = FoldInConfig::new()
        .with_embedding(16)
        .with_hidden(vec![24])
        .with_user_dim(8)
        .init::<NdArray>(items, &device);
    let dataset = common::two_taste_dataset(4, items as u32);
    let item_ids: Vec<u32> = (0..items as u32).collect();
    let file = export::model_file(
        export::foldin_weights(&model),
        export::catalog(&dataset, &item_ids, &vec![1; items]),
        Default::default(),
    );
    let recommender = Recommender::from_bytes(&file.to_bytes()).unwrap();

    let picks: Vec<Vec<u32>> = vec![
        vec![0, 3, 9],
        vec![17],
        (0..items as u32).step_by(3).collect(),
    ];
    let rows = PickRows {
        rows: &picks,
        items,
    };
    let logits: Vec<f32> = model
        .forward(rows.normalized(&[0, 1, 2], &device))
        .into_data()
        .to_vec()
        .unwrap();
    for (u, user_picks) in picks.iter().enumerate() {
        let indices: Vec<usize> = user_picks.iter().map(|&i| i as usize).collect();
        let shared_scores = recommender.scores(&indices);
        let burn_scores = &logits[u * items..(u + 1) * items];
        let spread = burn_scores.iter().fold(0f32, |m, s| m.max(s.abs()));
        for (a, b) in shared_scores.iter().zip(burn_scores) {
            // int8 embeddings: within 2% of the largest score.
            assert!(
                (a - b).abs() <= 0.02 * spread,
                "user {u}: shared {a} vs burn {b} (spread {spread})"
            );
        }
    }
}

#[test]
fn training_learns_the_taste_groups_and_resumes() {
    let _rng = common::burn_rng();
    let dataset = common::two_taste_dataset(90, 30);
    let dir = common::temp_dir("foldin-resume");
    let run = |epochs: usize, resume: bool| FoldInRun {
        config: FoldInConfig::new()
            .with_embedding(8)
            .with_hidden(vec![16])
            .with_user_dim(8),
        l2: 0.0,
        training: TrainingConfig::new()
            .with_epochs(epochs)
            .with_batch_size(16)
            .with_learning_rate(0.01)
            .with_patience(100),
        checkpoints: Checkpoints {
            dir: Some(dir.clone()),
            resume,
        },
        heldout_users: 10,
        positive_threshold: 4.0,
        min_item_users: 1,
        compare_ease: false,
        init_from_ease: false,
    };
    let device = Default::default();
    let first =
        pipeline::run_foldin::<Cpu>(&dataset, &dataset.ratings, &run(3, false), &device).unwrap();
    let resumed =
        pipeline::run_foldin::<Cpu>(&dataset, &dataset.ratings, &run(12, true), &device).unwrap();
    assert_eq!(first.report.history.epochs.len(), 3);
    assert_eq!(
        resumed.report.history.epochs.len(),
        12,
        "resuming continues the same history"
    );
    let ndcg = resumed
        .report
        .metrics
        .iter()
        .find(|(k, _)| k == "NDCG@100")
        .unwrap()
        .1;
    // Held-out users' targets all lie in their group's half: a model that learned the groups
    // ranks them first; random scores would give about 0.5.
    assert!(ndcg > 0.9, "NDCG@100 {ndcg}");
    // A straight 12-epoch run reaches the same place as 3 + 9 resumed epochs.
    let straight_dir = common::temp_dir("foldin-straight");
    let straight = FoldInRun {
        checkpoints: Checkpoints {
            dir: Some(straight_dir),
            resume: false,
        },
        ..run(12, false)
    };
    let straight =
        pipeline::run_foldin::<Cpu>(&dataset, &dataset.ratings, &straight, &device).unwrap();
    let losses =
        |h: &trainer::training::History| h.epochs.iter().map(|e| e.train_loss).collect::<Vec<_>>();
    let (a, b) = (
        losses(&straight.report.history),
        losses(&resumed.report.history),
    );
    for (x, y) in a.iter().zip(&b) {
        assert!(
            (x - y).abs() < 1e-3 * x.abs().max(1.0),
            "straight {a:?}\nresumed {b:?}"
        );
    }
}
