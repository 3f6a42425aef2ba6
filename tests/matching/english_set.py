"""A small handwritten English sanity set: expert profiles and problems whose right expert is known.

Written for these tests (no external data). The problems are phrased the way an enterprise would, sharing topic
words with the right expert, and several share letter sequences but not words with a wrong one (cell/cellular,
battery/batter, control/controlled, vision/revision), which is where character n-grams go astray.
"""

from matching import ranking

EXPERTS = {
    "bioprocess": ranking.ProfileText(
        research_areas=["cell culture", "bioprocess engineering", "bioreactor scale-up"],
        bio="Develops mammalian cell culture processes for antibody production and their scale-up in bioreactors.",
        achievements=["Fed-batch feeding strategies for CHO cell culture", "Oxygen transfer in stirred bioreactors"]),
    "telecom": ranking.ProfileText(
        research_areas=["cellular networks", "radio resource management", "5G"],
        bio="Works on interference coordination and scheduling in cellular radio access networks.",
        achievements=["Interference-aware scheduling for dense small-cell deployments",
                       "Uplink power allocation in heterogeneous networks"]),
    "battery": ranking.ProfileText(
        research_areas=["battery management systems", "state of charge estimation", "lithium-ion cells"],
        bio="Designs battery management electronics and estimation algorithms for electric vehicle packs.",
        achievements=["Kalman filtering for state of charge of lithium-ion packs",
                       "Cell balancing circuits for large battery packs"]),
    "food": ranking.ProfileText(
        research_areas=["food processing", "dough rheology", "bakery products"],
        bio="Helps bakeries with batter and dough mixing, proofing and oven profiles.",
        achievements=["Viscosity of cake batters during continuous mixing", "Reducing sugar in sponge cake"]),
    "motors": ranking.ProfileText(
        research_areas=["electric drives", "motor control", "power electronics"],
        bio="Field-oriented control of induction and permanent magnet motors; inverter design.",
        achievements=["Sensorless speed control of induction motors", "Inverter dead-time compensation"]),
    "quality": ranking.ProfileText(
        research_areas=["statistical quality control", "six sigma", "measurement systems"],
        bio="Trains factories in control charts, process capability and gauge studies.",
        achievements=["Control charts for short production runs", "Gauge repeatability and reproducibility case"]),
    "vision": ranking.ProfileText(
        research_areas=["machine vision", "surface defect inspection", "industrial cameras"],
        bio="Builds camera-based inspection stations for production lines: lighting, optics and deep learning.",
        achievements=["Scratch detection on painted car body panels",
                      "Deep learning classifier for weld seam images"]),
    "documents": ranking.ProfileText(
        research_areas=["technical documentation", "revision control", "standards compliance"],
        bio="Sets up document revision workflows and supervision of ISO 9001 records.",
        achievements=["Revision tracking for engineering drawings", "Audit preparation for quality records"]),
    "welding": ranking.ProfileText(
        research_areas=["welding metallurgy", "fatigue of welded joints", "aluminium alloys"],
        bio="Master welder and engineer: distortion control and fatigue life of welded aluminium structures.",
        achievements=["Reducing distortion in thin aluminium sheet welding",
                      "Fatigue testing of fillet welds in trailer frames"]),
    "drivers": ranking.ProfileText(
        research_areas=["driver monitoring", "human factors", "drowsiness detection"],
        bio="Studies driver drowsiness and attention using eye tracking in vehicles.",
        achievements=["Eye closure metrics for driver drowsiness", "Attention warnings in long-haul trucks"]),
}

CHALLENGES = {
    "bioprocess": ranking.ChallengeText(
        title="Low antibody titre when moving our cell culture to a larger bioreactor",
        keywords=["bioreactor", "scale-up"],
        description="Titre drops by half at 200 L; we suspect oxygen transfer or feeding during scale-up."),
    "telecom": ranking.ChallengeText(
        title="Interference between our small cells in a dense campus network",
        description="Throughput collapses at peak hours; we need better scheduling and power allocation."),
    "battery": ranking.ChallengeText(
        title="Wrong state of charge readings in our e-bike battery packs",
        keywords=["battery management"],
        description="The charge estimate jumps near empty; cells in a pack drift apart and need balancing."),
    "food": ranking.ChallengeText(
        title="Cake batter too thin after switching mixers",
        description="Since the new continuous mixer the batter viscosity is low and sponge cakes collapse."),
    "motors": ranking.ChallengeText(
        title="Speed oscillation of induction motors at low speed",
        keywords=["inverter"],
        description="Our sensorless drive oscillates below 5 Hz; we suspect dead-time effects in the inverter."),
    "quality": ranking.ChallengeText(
        title="Setting up control charts for short production runs",
        description="We make small batches and need process capability figures our customer accepts."),
    "vision": ranking.ChallengeText(
        title="Automatic inspection of scratches on painted panels",
        keywords=["machine vision", "defect inspection"],
        description="Manual inspection misses fine scratches; we want cameras and lighting on the paint line."),
    "documents": ranking.ChallengeText(
        title="Keeping drawing revisions consistent before our ISO audit",
        description="Engineering drawings exist in several revisions; we need a tracking workflow and audit records."),
    "welding": ranking.ChallengeText(
        title="Cracks in welded aluminium trailer frames",
        keywords=["fatigue", "welding"],
        description="Fillet welds crack after a year on the road; we need better weld design and fatigue testing."),
    "drivers": ranking.ChallengeText(
        title="Detecting drowsy drivers in our long-haul trucks",
        description="We want an eye tracking warning when the driver gets tired."),
}
