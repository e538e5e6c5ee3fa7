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
    upper(trim(portal)) as portal,
    trim(package_id) as package_id,
    trim(name) as package_name,
    trim(title) as title,
    trim(organization_name) as organization_name,
    trim(organization_title) as organization_title,
    cast(replace(substr(metadata_created, 1, 19), 'T', ' ') as timestamp) as created_at,
    cast(replace(substr(metadata_modified, 1, 19), 'T', ' ') as timestamp) as modified_at,
    num_resources,
    resources_json,
    _manifest_id as manifest_id,
    _extracted_at as extracted_at
from ranked
where version_rank = 1
