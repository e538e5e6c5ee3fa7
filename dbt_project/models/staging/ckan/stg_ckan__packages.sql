with source as (
    select * from {{ landing_relation('ckan', 'packages') }} as src
),

ranked as (
    select
        source.*,
        row_number() over (
            partition by upper(trim(portal)), trim(package_id)
            order by _extracted_at desc, metadata_modified desc, batch desc
        ) as version_rank
    from source
    where package_id is not null
)

select
    upper({{ clean_text('portal') }}) as portal,
    {{ clean_text('package_id') }} as package_id,
    {{ clean_text('name') }} as package_name,
    {{ clean_text('title') }} as title,
    {{ clean_text('organization_name') }} as organization_name,
    {{ clean_text('organization_title') }} as organization_title,
    cast(replace(substr(metadata_created, 1, 19), 'T', ' ') as timestamp) as created_at,
    cast(replace(substr(metadata_modified, 1, 19), 'T', ' ') as timestamp) as modified_at,
    num_resources,
    {{ clean_text('resources_json') }} as resources_json,
    cast(data_first_year as integer) as data_first_year,
    cast(data_last_year as integer) as data_last_year,
    {{ clean_text('data_years_from') }} as data_years_from,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from ranked
where version_rank = 1
