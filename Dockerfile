# The site, its worker and beat: one image, three commands (see compose.yaml, Procfile).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

# Only the code: never var/ (a development database and keys) or .venv from the checkout.
# A new top-level app needs a line here.
COPY manage.py pyproject.toml ./
COPY mutualaid mutualaid
COPY inventory inventory
COPY household_requests household_requests
COPY deliveries deliveries
COPY templates templates
COPY static static
COPY locale locale

# Translations and static files are built into the image. Production settings refuse
# to load without their secrets, so collectstatic gets placeholders that exist only
# for this one command and are not kept in the image.
RUN python manage.py compile_translations \
    && MUTUALAID_PRODUCTION=1 \
       SECRET_KEY=build-only-placeholder-never-used-to-serve-anything-0123456789 \
       DATABASE_URL=postgres://build@localhost/build \
       REDIS_URL=redis://localhost:6379/0 \
       SEALING_KEYS=YnVpbGQtb25seS1wbGFjZWhvbGRlci1rZXktMDAwMDA= \
       BLIND_INDEX_KEY=build-only-placeholder-0123456789 \
       KEY_DIR=/tmp/build-only-keys \
       TRUSTED_PROXY_COUNT=0 \
       python manage.py collectstatic --noinput \
    && rm -rf /tmp/build-only-keys \
    && useradd --system --no-create-home --uid 10001 mutualaid \
    && mkdir -m 0700 /keys && chown mutualaid /keys

USER mutualaid
ENV MUTUALAID_PRODUCTION=1
EXPOSE 8000
# No access log (the default): a status link in a URL carries the family's secret.
CMD ["gunicorn", "mutualaid.wsgi", "--bind", "0.0.0.0:8000", "--no-control-socket"]
