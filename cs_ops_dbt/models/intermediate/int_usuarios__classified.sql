{#
    Every raw usuarios row exactly once, classified as clean (the version kept),
    duplicate (an older or repeated version) or quarantined (fails validation,
    points to an unknown customer).
    Deduplication: latest updated_at, then latest batch, then source file.
#}
{{ classify_records(
    'int_usuarios__parsed',
    'user_id'
) }}
