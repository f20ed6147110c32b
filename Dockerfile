# hrd-intake: one image, two roles. `docker run IMAGE serve` (webhooks + staff console) or `... work`
# (screening, outbound sender, maintenance). TypeScript runs through tsx, a runtime dependency, so there is no
# build step; devDependencies (tests, lint, typecheck) are left out. See docs/operations.md.
FROM node:20-bookworm-slim

WORKDIR /app
COPY package.json package-lock.json .npmrc ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY bin ./bin
COPY app ./app
COPY bots ./bots
COPY queues ./queues
COPY src ./src
COPY tsconfig.json ./

# Production defaults; everything else comes from the environment (see .env.example). Key files are
# mounted read-only at KEYS_DIR, one set per role, never baked into the image.
ENV NODE_ENV=production \
    INTAKE_MODE=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    KEYS_DIR=/etc/intake/keys

# The image's own `node` user (uid 1000): nothing runs as root.
USER node
EXPOSE 3000

# Both roles answer /healthz on PORT (liveness; /readyz also checks Redis and MongoDB).
HEALTHCHECK --interval=30s --timeout=5s --start-period=40s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

ENTRYPOINT ["node", "bin/intake.mjs"]
CMD ["serve"]
