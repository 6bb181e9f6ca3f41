//! The effects table. The order of a process's entries is the order its predictor sums them
//! in (floating-point sums depend on it; results are reproducible only if it stays fixed).

use super::StatisticId as S;
use super::{ALL_PHASES, Channel, Coefficient, Effect, POST_PHASE, PROJECT_PHASES, Process};
use crate::scenario::params::Phase;

const fn scalar(
    process: Process,
    name: &'static str,
    statistic: S,
    default: f64,
    formula: &'static str,
    meaning: &'static str,
) -> Effect {
    Effect {
        name,
        process,
        statistic,
        coefficient: Coefficient::Scalar,
        default,
        phases: ALL_PHASES,
        channel: None,
        formula,
        meaning,
    }
}

const fn intercept(process: Process, phases: &'static [Phase]) -> Effect {
    Effect {
        name: "base",
        process,
        statistic: S::One,
        coefficient: Coefficient::Intercept,
        default: 0.0,
        phases,
        channel: None,
        formula: "1",
        meaning: if phases.len() == 1 {
            "intercept (`base`)"
        } else {
            "intercept (`base`; formation and dissolution: one value per phase)"
        },
    }
}

const fn mix(process: Process, statistic: S, meaning: &'static str) -> Effect {
    Effect {
        name: "mix",
        process,
        statistic,
        coefficient: Coefficient::KindTable,
        default: 0.0,
        phases: ALL_PHASES,
        channel: None,
        formula: "mix[kind_i][kind_j]",
        meaning,
    }
}

const fn phases(mut e: Effect, phases: &'static [Phase]) -> Effect {
    e.phases = phases;
    e
}

const fn channel(mut e: Effect, c: Channel) -> Effect {
    e.channel = Some(c);
    e
}

use Process::{Adoption, Dissolution, Formation, Initiative};

/// Every effect of every process.
pub const EFFECTS: &[Effect] = &[
    intercept(Formation, ALL_PHASES),
    mix(
        Formation,
        S::FormationMix,
        "kind-pair term, read from the choosing organisation's row ([formation.mix])",
    ),
    scalar(
        Formation,
        "same_territory",
        S::SameTerritory,
        1.0,
        "[territory_i = territory_j]",
        "ties within a territory are likelier",
    ),
    channel(
        scalar(
            Formation,
            "memory",
            S::RememberedTrust,
            3.0,
            "trust_ij of a remembered tie (0 if never tied)",
            "remembered partners are chosen again, the more the more they are trusted",
        ),
        Channel::TrustToFormation,
    ),
    scalar(
        Formation,
        "closure",
        S::LogCommonPartners,
        0.5,
        "ln(1 + common active partners of i and j)",
        "transitive closure: partners of partners become partners",
    ),
    scalar(
        Formation,
        "popularity",
        S::LogDegreeJ,
        0.2,
        "ln(1 + active degree_j)",
        "preferential attachment to well-connected organisations",
    ),
    phases(
        scalar(
            Formation,
            "project",
            S::SameOpenProject,
            0.0,
            "[i and j in the same open project]",
            "a shared funded project brings its members together",
        ),
        PROJECT_PHASES,
    ),
    channel(
        scalar(
            Formation,
            "adopted",
            S::AdoptersInDyad,
            0.3,
            "adopted_i + adopted_j",
            "adopters of the practice form more ties",
        ),
        Channel::AdoptionToSocialCapital,
    ),
    scalar(
        Formation,
        "capacity",
        S::LogCapacityJ,
        0.3,
        "ln(capacity_j)",
        "larger organisations attract more ties",
    ),
    scalar(
        Formation,
        "covariate_similarity",
        S::CovariateSimilarity,
        0.0,
        "1 - |x_i - x_j| / range(x)",
        "homophily on the organisation covariate (RSiena's simX, not centred)",
    ),
    phases(
        scalar(
            Formation,
            "project_lead",
            S::LeadPartner,
            0.0,
            "[one of i and j leads an open project of which the other is a member]",
            "project work runs through the lead: partners tie to their lead rather than to each other",
        ),
        PROJECT_PHASES,
    ),
    phases(
        scalar(
            Formation,
            "project_budget",
            S::LogBudgetPerMember,
            0.0,
            "[same open project] ln(budget / (programme months x members) / 600 EUR)",
            "money per member and month helps a project's members tie (diminishing returns)",
        ),
        PROJECT_PHASES,
    ),
    scalar(
        Formation,
        "activity_sqrt",
        S::SqrtDegreeI,
        0.0,
        "sqrt(active degree_i)",
        "below 0: organisations with many partners seek fewer new ones (RSiena's outActSqrt)",
    ),
    scalar(
        Formation,
        "popularity_sqrt",
        S::SqrtDegreeJ,
        0.0,
        "sqrt(active degree_j)",
        "below 0: anti-popularity, well-connected organisations accept fewer new partners \
         (RSiena's inPopSqrt)",
    ),
    scalar(
        Formation,
        "isolate",
        S::IsolateI,
        0.0,
        "[active degree_i = 0]",
        "above 0: an organisation without partners is keener to find one (isolate avoidance)",
    ),
    scalar(
        Formation,
        "closure_share",
        S::CommonPartnerShare,
        0.0,
        "common / (degree_i + degree_j - common), common = common active partners",
        "above 0: pairs that share most of their partners tie, where in a dense network most \
         pairs share some and closure's ln(1 + common) tells them little apart",
    ),
    intercept(Dissolution, ALL_PHASES),
    channel(
        scalar(
            Dissolution,
            "trust",
            S::MinusTieTrust,
            5.0,
            "-trust_ij",
            "trusted ties last longer",
        ),
        Channel::TrustToPersistence,
    ),
    scalar(
        Dissolution,
        "age",
        S::MinusLogAge,
        0.3,
        "-ln(1 + age of the tie)",
        "old ties last longer (age counted as rules.age_from says)",
    ),
    mix(
        Dissolution,
        S::DissolutionMix,
        "kind-pair term, symmetric ([dissolution.mix])",
    ),
    phases(
        scalar(
            Dissolution,
            "project",
            S::MinusSameOpenProject,
            0.0,
            "-[both ends in the same open project]",
            "funding protects ties inside an open project",
        ),
        PROJECT_PHASES,
    ),
    scalar(
        Dissolution,
        "covariate_similarity",
        S::MinusCovariateSimilarity,
        0.0,
        "-(1 - |x_i - x_j| / range(x))",
        "ties between similar organisations last longer",
    ),
    phases(
        scalar(
            Dissolution,
            "project_lead",
            S::MinusLeadPartner,
            3.16,
            "-[one end leads an open project of which the other is a member]",
            "funding protects the partners' ties to their lead (the project's lines of accountability)",
        ),
        PROJECT_PHASES,
    ),
    phases(
        scalar(
            Dissolution,
            "programme_tie",
            S::ProgrammeTie,
            2.74,
            "[the tie first formed during the programme]",
            "ties built for the money end first once it stops",
        ),
        POST_PHASE,
    ),
    scalar(
        Dissolution,
        "degree_sqrt",
        S::SqrtDegreesOfTie,
        0.0,
        "sqrt(degree_i) + sqrt(degree_j)",
        "above 0: ties of organisations with many partners end more easily",
    ),
    scalar(
        Dissolution,
        "isolate",
        S::MinusOnlyTie,
        0.0,
        "-[degree_i = 1 or degree_j = 1]",
        "above 0: a tie that is the only one of an end lasts longer (isolate avoidance)",
    ),
    scalar(
        Dissolution,
        "embedded",
        S::MinusLogCommonPartners,
        0.0,
        "-ln(1 + common active partners of i and j)",
        "above 0: ties inside a group of shared partners last longer, ties that bridge groups \
         end first (RSiena's transitive ties as an endowment effect)",
    ),
    intercept(Adoption, ALL_PHASES),
    scalar(
        Adoption,
        "exposure",
        S::AdoptedPartnerShare,
        2.0,
        "share of active partners that adopted",
        "contagion of the practice through ties",
    ),
    channel(
        scalar(
            Adoption,
            "social_capital",
            S::SocialCapitalI,
            0.6,
            "sc_i (rules.social_capital)",
            "social capital helps adoption",
        ),
        Channel::SocialCapitalToAdoption,
    ),
    phases(
        scalar(
            Adoption,
            "project",
            S::InOpenProject,
            1.5,
            "[i in an open project]",
            "funded projects spread the practice to their members",
        ),
        PROJECT_PHASES,
    ),
    intercept(Initiative, POST_PHASE),
    phases(
        channel(
            scalar(
                Initiative,
                "adopted",
                S::AdoptedI,
                0.5,
                "adopted_i",
                "adopters launch more initiatives",
            ),
            Channel::AdoptionToSocialCapital,
        ),
        POST_PHASE,
    ),
    phases(
        scalar(
            Initiative,
            "social_capital",
            S::SocialCapitalI,
            0.8,
            "sc_i (rules.social_capital)",
            "social capital helps launching initiatives",
        ),
        POST_PHASE,
    ),
];
