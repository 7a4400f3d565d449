{#
    Invoices still open and overdue at each month end (snapshot_date), per customer:
    one row per customer and snapshot date with at least one invoice due before the
    snapshot date and not paid by it (customer-months without one have no row; the
    snapshot mart left-joins and reads 0).

    Point in time, like int_clientes__mensal: for a snapshot, only the invoice versions
    whose batch period had ended by then count (known_date <= snapshot_date), and the
    latest of those (updated_at, then batch, then file: the lowest version_rank of
    int_faturas__classified, latest_version_first) says the invoice's state. An
    invoice paid after the snapshot date is open at it, even when the payment is known now.
    Open = not paid by the snapshot (paid_date <= snapshot_date, or status Paga without a
    readable paid date) and not Cancelada.

    Cheap: an invoice is paired only with the month ends between its due date and the
    date from which it is closed for good (its final version's paid date, or the last
    version's known date when that is later). Most invoices are paid in the month they
    fall due, so they pair with no month end at all. A table: ~1 invoice per
    customer-month in, a few percent of customer-months out; recomputed in full by
    every run, so a new batch cannot leave a stale month behind.
#}
with

invoice_versions as (

    select * from {{ ref('int_faturas__classified') }}
    where record_status in ('clean', 'duplicate')
        and due_date is not null
        and customer_id is not null

),

calendar as (

    select * from {{ ref('int_calendario__as_of') }}

),

{# ---------- per invoice: the version that holds once every version is known ---------- #}

latest_versions as (

    select
        invoice_id,
        paid_date,
        invoice_status,
        max(known_date) over (partition by invoice_id) as last_known_date,
        min(due_date) over (partition by invoice_id) as first_due_date,
        row_number() over (
            partition by invoice_id
            order by version_rank
        ) as latest_rank
    from invoice_versions

),

invoice_windows as (

    select
        latest_versions.invoice_id,
        {{ cs_month_start('latest_versions.first_due_date') }} as first_month,
        {# from this date on the invoice is closed at every snapshot (null: open to the end) #}
        case
            when latest_versions.paid_date is not null
                then case
                    when latest_versions.paid_date > latest_versions.last_known_date then latest_versions.paid_date
                    else latest_versions.last_known_date
                end
            when latest_versions.invoice_status in ('Paga', 'Cancelada') then latest_versions.last_known_date
        end as closed_from,
        calendar.last_snapshot_date
    from latest_versions
    cross join calendar
    where latest_versions.latest_rank = 1

),

invoice_window_bounds as (

    select
        invoice_id,
        first_month,
        closed_from,
        last_snapshot_date,
        {{ cs_month_start(
            'case when closed_from is not null and closed_from < last_snapshot_date'
            ~ ' then closed_from else last_snapshot_date end'
        ) }} as last_month
    from invoice_windows

),

candidate_snapshots as (

    select
        invoice_window_bounds.invoice_id,
        {{ cs_month_end('month_start') }} as snapshot_date
    from invoice_window_bounds
    cross join {{ cs_unnest_month_starts('invoice_window_bounds.first_month', 'invoice_window_bounds.last_month', 'month_start') }}
    where invoice_window_bounds.first_month <= invoice_window_bounds.last_month

),

open_candidates as (

    select candidate_snapshots.*
    from candidate_snapshots
    inner join invoice_window_bounds
        on candidate_snapshots.invoice_id = invoice_window_bounds.invoice_id
    where candidate_snapshots.snapshot_date <= invoice_window_bounds.last_snapshot_date
        and (
            invoice_window_bounds.closed_from is null
            or candidate_snapshots.snapshot_date < invoice_window_bounds.closed_from
        )

),

{# ---------- the invoice as known on each candidate snapshot date ---------- #}

versions_as_of as (

    select
        open_candidates.snapshot_date,
        invoice_versions.invoice_id,
        invoice_versions.customer_id,
        invoice_versions.due_date,
        invoice_versions.paid_date,
        invoice_versions.invoice_status,
        row_number() over (
            partition by open_candidates.snapshot_date, invoice_versions.invoice_id
            order by invoice_versions.version_rank
        ) as known_rank
    from open_candidates
    inner join invoice_versions
        on open_candidates.invoice_id = invoice_versions.invoice_id
        and invoice_versions.known_date <= open_candidates.snapshot_date

),

open_overdue as (

    select
        customer_id,
        snapshot_date,
        {{ cs_date_diff('due_date', 'snapshot_date') }} as days_overdue
    from versions_as_of
    where known_rank = 1
        and due_date < snapshot_date
        and not (paid_date is not null and paid_date <= snapshot_date)
        and not (paid_date is null and invoice_status = 'Paga')
        and (invoice_status is null or invoice_status <> 'Cancelada')

),

final as (

    select
        customer_id,
        snapshot_date,
        cast(count(*) as {{ cs_type('int') }}) as open_overdue_invoices,
        cast(max(days_overdue) as {{ cs_type('int') }}) as max_days_overdue_open
    from open_overdue
    group by
        customer_id,
        snapshot_date

)

select * from final
