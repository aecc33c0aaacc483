# The operator from `mvn package` (Quarkus fast-jar layout in operator/target/quarkus-app).
FROM eclipse-temurin:17-jre
COPY lib/ /deployments/lib/
COPY *.jar /deployments/
COPY app/ /deployments/app/
COPY quarkus/ /deployments/quarkus/
USER 1000
ENTRYPOINT ["java", "-jar", "/deployments/quarkus-run.jar"]
