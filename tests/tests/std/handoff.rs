use lockstep::sync::Std;
use lockstep_models::handoff::Handoff;

#[test]
fn fixed_handoff_keeps_turn_order_under_std_stress() {
    let handoff = Handoff::fixed(3, 4);
    for iteration in 0..2_000 {
        assert_eq!(
            handoff.run::<Std>(),
            handoff.expected_order(),
            "iteration {iteration}"
        );
    }
}
