//! The fold-in model: the exported weights score like the burn model, and training learns.

mod common;

use burn::backend::NdArray;
use burn::prelude::*;
use shared::{ModelFile, Recommender};
use trainer::backend::Cpu;
use trainer::experiment::Experiment;
use trainer::new_user::foldin::{FoldInConfig, PickRows, foldin_weights};
use trainer::options::ModelOptions;
use trainer::registry::ModelName;
use trainer::training::{Checkpoints, History};

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
    let file = ModelFile {
        info: Default::default(),
        catalog: trainer::protocol::page::catalog(&dataset, &item_ids, &vec![1; items]),
        weights: foldin_weights(&model),
        steering: Default::default(),
        stars: None,
    };
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
    let dir = common::temp_dir();
    // A small network from random weights.
    let options = |epochs: usize| ModelOptions {
        random_init: true,
        factors: Some(8),
        hidden: Some(vec![16]),
        l2: Some(0.0),
        epochs: Some(epochs),
        batch_size: Some(16),
        learning_rate: Some(0.01),
        patience: Some(100),
        ..ModelOptions::default()
    };
    let train = |epochs: usize, dir: &std::path::Path, resume: bool| {
        common::train(
            ModelName::Foldin,
            &options(epochs),
            &dataset,
            |experiment: &mut Experiment<Cpu>| {
                experiment.heldout_users = 10;
                experiment.min_item_users = 1;
                experiment.checkpoints = Checkpoints {
                    dir: Some(dir.to_path_buf()),
                    resume,
                };
            },
        )
        .unwrap()
    };
    let first = train(3, dir.path(), false);
    let resumed = train(12, dir.path(), true);
    assert_eq!(first.history.epochs.len(), 3);
    assert_eq!(
        resumed.history.epochs.len(),
        12,
        "resuming continues the same history"
    );
    let ndcg = common::metric(&resumed, "NDCG@100");
    // Held-out users' targets all lie in their group's half: a model that learned the groups
    // ranks them first; random scores would give about 0.5.
    assert!(ndcg > 0.9, "NDCG@100 {ndcg}");
    // A straight 12-epoch run reaches the same place as 3 + 9 resumed epochs.
    let straight_dir = common::temp_dir();
    let straight = train(12, straight_dir.path(), false);
    let losses = |h: &History| h.epochs.iter().map(|e| e.train_loss).collect::<Vec<_>>();
    let (a, b) = (losses(&straight.history), losses(&resumed.history));
    for (x, y) in a.iter().zip(&b) {
        assert!(
            (x - y).abs() < 1e-3 * x.abs().max(1.0),
            "straight {a:?}\nresumed {b:?}"
        );
    }
}
